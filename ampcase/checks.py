"""Start-up checks of the deployment settings."""

from django.conf import settings
from django.core.checks import Error, Tags, register

# A message, not a password (ruff's S105 reads the name).
SECRET_KEY_MISSING = (
    "SECRET_KEY is not set. Set it in the environment (at least 50 random characters), "  # noqa: S105
    "or set DEBUG=true for local development."
)


def secret_key_problems() -> list[Error]:
    # Read the raw value: settings.SECRET_KEY itself raises when it is empty.
    if settings._wrapped.SECRET_KEY:  # noqa: SLF001
        return []
    return [Error(SECRET_KEY_MISSING, id="ampcase.E001")]


# A deployment check: `makemigrations` and other commands that need no key run without one;
# `check --deploy` fails, and wsgi.py (gunicorn, runserver) refuses to start.
@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs=None, **kwargs) -> list[Error]:
    return secret_key_problems()
