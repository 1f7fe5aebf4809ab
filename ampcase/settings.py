"""Settings for ÅMP Case.

One file, every deployment knob read from the environment with a safe default for
development. `DEBUG` is off unless asked for; without it, `SECRET_KEY` is required.
`.env.example` lists every variable read here.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on-" + "x" * 20
# Without DEBUG and without a key, SECRET_KEY stays empty: Django refuses every use of it,
# wsgi.py (gunicorn and runserver) refuses to start with a clear message, and so does
# `check --deploy` (ampcase.E001). Commands that need no key (makemigrations,
# compilemessages) still run.

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Number of reverse proxies in front of the app that append to X-Forwarded-For. Zero means
# the client address is REMOTE_ADDR and X-Forwarded-For is ignored (it is client-controlled).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "ampcase.accounts.apps.AccountsConfig",
    "ampcase.audit",
    "ampcase.accounts.admin_apps.TwoFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Its widget templates, found through TEMPLATES so that templates/django/forms overrides them.
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "guardian",
    "axes",
    "csp",
    # Installed for its translations: country names follow the user's language only when
    # Django finds the package's locale folder, which it looks for in installed apps alone.
    "django_countries",
    "referrals",
    "risk",
    "reintegration",
    # Reporting across the apps: it reads them, and none of them reads it.
    "ampcase.statistics.apps.StatisticsConfig",
    "ampcase.bench.apps.BenchConfig",
    # Who is told of a hand-off, in the app and by mail: it reads the case root, which
    # tells it of changes through the registry and never imports it.
    "ampcase.notifications.apps.NotificationsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before the two-factor middleware, which tells a user signed out after 12 hours why.
    "django.contrib.messages.middleware.MessageMiddleware",
    "ampcase.audit.AuditContextMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ampcase.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ampcase.lib.middleware.OwnNotFoundPageMiddleware",
    "csp.middleware.CSPMiddleware",
    "ampcase.lib.middleware.NoStoreMiddleware",
    # Refuses before any view or `process_view` (the CSRF check reads the form) reads the body;
    # after the middleware that add the security headers, so that its 413 page carries them too.
    "ampcase.lib.middleware.RequestSizeLimitMiddleware",
    # Last, so that it sees the lockout flag the authentication backend sets.
    "axes.middleware.AxesMiddleware",
]

# Widgets render through TEMPLATES: the app overrides one of Django's widget templates
# (templates/django/forms/widgets/select_option.html: "—" for the empty choice).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

ROOT_URLCONF = "ampcase.urls"
WSGI_APPLICATION = "ampcase.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ampcase.accounts.context_processors.navigation",
                "ampcase.notifications.context_processors.bell",
            ],
            # ampcase.lib is not an app, so its template library is named here:
            # `{% load money %}` gives the one `money` filter.
            "libraries": {"money": "ampcase.lib.money", "phone": "ampcase.lib.phone"},
        },
    },
]

# Database: PostgreSQL in production and tests, an embedded SQLite file for `make run`.
VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ampcase.sqlite3'}"),
        # A new connection per request halves throughput; keep them for ten minutes.
        conn_max_age=int(env("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
# The statistics ask PostgreSQL their few queries side by side, a connection each
# (`ampcase/statistics/dashboard.py`, `gather`).
STATISTICS_PARALLEL = env("STATISTICS_PARALLEL", "true").lower() == "true"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles every query it thinks expensive, which costs more than it
    # saves on this app's queries (the statistics' quartiles: 1.9 s with it, 0.4 s without,
    # at 100,000 cases). Off for the project's own connections, whatever the server says.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # AxesStandaloneBackend refuses locked-out user names before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after 30 minutes idle (the cookie is renewed on every request) and after
# 12 hours in all (checked by TwoFactorRequiredMiddleware against the login time).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_AGE = timedelta(hours=12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "ampcase.views.csrf_failure"

# Security headers. Everything that only makes sense over HTTPS follows DEBUG.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
# No referrer ever leaves the site. (Not "no-referrer": with it, browsers send `Origin: null`
# on form posts, which Django's CSRF check rightly refuses.)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No inline script, no third-party origin: every asset comes from the app itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Internationalisation: Swedish by default, English on request.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Stockholm"
# Places where nobody lives are no one's nationality and no return's destination.
COUNTRIES_OVERRIDE = {"AQ": None, "BV": None, "HM": None, "GS": None, "UM": None}
USE_TZ = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Static files are served by the app (WhiteNoise); nothing comes from a CDN.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Fonts are embedded in PDFs, never sent to browsers: compressing them only slows the build.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    "jpg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "zip",
    "gz",
    "tgz",
    "bz2",
    "tbz",
    "xz",
    "br",
    "swf",
    "flv",
    "woff",
    "woff2",
    "3gp",
    "3gpp",
    "asf",
    "avi",
    "m4v",
    "mov",
    "mp4",
    "mpeg",
    "mpg",
    "webm",
    "wmv",
    "ttf",
]
# Uploaded documents live outside every publicly served path and are handed out only by
# permission-checked views. They are readable by the app's own user alone.
DOCUMENT_ROOT = Path(env("DOCUMENT_ROOT", str(VAR_DIR / "documents")))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Form fields other than files: at most 2 MB (Django answers 400 above that).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# An uploaded file larger than this is streamed to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# A file upload whose body is larger than a document may be (20 MB, ampcase.lib.documents)
# plus room for the form's other fields is answered 413 before any of it is read
# (ampcase.lib.middleware.RequestSizeLimitMiddleware).
MAX_UPLOAD_REQUEST_BYTES = 21 * 1024 * 1024

# E-mail.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "ampcase@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address users reach the app at, for the links in notification mail.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000/")
# The outbox worker (`manage.py send_outbox`): a failed send is retried after
# OUTBOX_RETRY_SECONDS, doubling each time up to OUTBOX_RETRY_MAX_SECONDS, and given up
# (kept, marked failed) after OUTBOX_MAX_ATTEMPTS attempts.
OUTBOX_RETRY_SECONDS = int(env("OUTBOX_RETRY_SECONDS", "60"))
OUTBOX_RETRY_MAX_SECONDS = int(env("OUTBOX_RETRY_MAX_SECONDS", "3600"))
OUTBOX_MAX_ATTEMPTS = int(env("OUTBOX_MAX_ATTEMPTS", "30"))
# The hour (local time) of the daily digest of notifications, for users who chose it.
NOTIFICATION_DIGEST_HOUR = int(env("NOTIFICATION_DIGEST_HOUR", "7"))

# Two-factor login (django-otp). Wrong codes slow the device down exponentially.
OTP_TOTP_ISSUER = "ÅMP Case"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# A user who entered the right password has this long to enter the code.
TWO_FACTOR_PENDING_SECONDS = 5 * 60
BACKUP_CODE_COUNT = 10
# Sensitive actions (`accounts.stepup.fresh_code_required`) ask for a fresh code when the last
# one was given longer ago than this.
STEP_UP_SECONDS = int(env("STEP_UP_SECONDS", "300"))

# Lockout (django-axes): five failures for a user name lock it for 15 minutes whatever the
# client address, so changing X-Forwarded-For does not help an attacker. Wrong codes count too.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "ampcase.lib.http.client_ip"
AXES_LOCKOUT_CALLABLE = "ampcase.accounts.views.locked_out"
AXES_VERBOSE = False
SILENCED_SYSTEM_CHECKS = [
    # axes.W006 asks to lock by address as well. Locking is by user name on purpose (the
    # lockout must hold when the attacker changes address); locking by address too would lock
    # out a whole office behind one NAT after five typing mistakes.
    "axes.W006",
]

# The telephone number the travel itinerary gives the returnee to call IOM if anything goes
# wrong on the journey. The default (+358 9 684 1150) is meant to be IOM Finland's switchboard
# in Helsinki; it is a plausible Helsinki landline but was not verified when it was written. It
# is a PLACEHOLDER: the operator MUST confirm it with IOM Finland before going live, and set
# instead the number IOM answers around the clock during journeys if there is one.
IOM_EMERGENCY_PHONE = env("IOM_EMERGENCY_PHONE", "+358 9 684 1150")

# Object permissions (django-guardian). Nobody anonymous ever holds a permission.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs carry URLs only; personal data never appears in URLs.
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs refused resource URLs, which can hold user text from a PDF.
        "weasyprint": {"level": "CRITICAL"},
        "fontTools": {"level": "WARNING"},
    },
}
