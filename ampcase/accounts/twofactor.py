"""The two steps of signing in, and the session state between them.

Step one checks the password and remembers, for a few minutes, who passed it. The user is NOT
logged in then: `request.user` stays anonymous until step two accepts a code from a confirmed
device. Only then does `complete_login` call Django's `login`, which gives a new session key.
The session then remembers when a code was last given (`verified_at`), for the step-up before
sensitive actions (see stepup.py).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ampcase import audit

PENDING_KEY = "twofactor_pending"
AUTH_AT_KEY = "auth_at"
VERIFIED_AT_KEY = "verified_at"
BACKUP_CODES_KEY = "twofactor_backup_codes"


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` if it stays on this site, else the home page: never a way to another site."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def start_pending(request: HttpRequest, user) -> None:
    # A new session key at each step: a session id planted before login is worthless.
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,
        "at": time.time(),
    }


def pending_user(request: HttpRequest):
    """The user who passed the password step within the last few minutes, or None."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    if time.time() - pending["at"] > settings.TWO_FACTOR_PENDING_SECONDS:
        del request.session[PENDING_KEY]
        return None
    user = get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


def totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def has_backup_codes(user) -> bool:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).exists()


def device_kind(device) -> str:
    """The kind of second factor, as audit summaries name it."""
    return "backup code" if isinstance(device, StaticDevice) else "authenticator app"


def complete_login(request: HttpRequest, user, device) -> None:
    """Log the user in after the code from `device` was accepted."""
    request.session.pop(PENDING_KEY, None)
    # django-otp persists the device in the session when `login` sees this attribute.
    user.otp_device = device
    login(request, user, backend=user.backend)
    # Django rotates the key in `login` only when the user changes; rotate it always.
    request.session.cycle_key()
    now = time.time()
    request.session[AUTH_AT_KEY] = now
    request.session[VERIFIED_AT_KEY] = now
    audit.record(request, "auth.login", user, f"second factor: {device_kind(device)}")


def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with a fresh set and return them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
