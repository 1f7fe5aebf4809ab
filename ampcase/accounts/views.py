"""Signing in (password, then code), the step-up before sensitive actions, enrolment of an
authenticator app, backup codes, logout."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from ampcase import audit

from . import stepup, twofactor
from .forms import BackupCodeForm, CodeForm, PasswordLoginForm

NEXT_KEY = "twofactor_next"


def _second_step(user, app: str = "accounts:verify", backup: str = "accounts:backup") -> str:
    """Where a user goes for a code: their app, their backup codes, or enrolment."""
    if twofactor.totp_device(user):
        return app
    if twofactor.has_backup_codes(user):
        return backup
    return "accounts:enrol"


def _locked_response(request: HttpRequest) -> HttpResponse:
    request.session.pop(twofactor.PENDING_KEY, None)
    # A signed-in user locked out at a step-up is signed out, as the login would refuse them.
    if request.user.is_authenticated:
        logout(request)
    return render(
        request,
        "accounts/login.html",
        {"form": PasswordLoginForm(request), "locked": True},
        status=429,
    )


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """django-axes calls this when a user name is locked (AXES_LOCKOUT_CALLABLE)."""
    return _locked_response(request)


def _is_locked(request: HttpRequest, user) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": user.username})


def _count_failed_code(request: HttpRequest, user, kind: str) -> None:
    # Sent like a failed password, so django-axes counts it towards the lockout and the
    # audit receiver records it as a failed code.
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.username, "second_factor": kind},
        request=request,
    )


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(twofactor.safe_next(request, request.GET.get("next")))
    form = PasswordLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        twofactor.start_pending(request, user)
        request.session[NEXT_KEY] = twofactor.safe_next(request, request.POST.get("next"))
        return redirect(_second_step(user))
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


def _pending_or_restart(request: HttpRequest):
    user = twofactor.pending_user(request)
    if user is None:
        messages.info(request, _("Sign in with your user name and password first."))
    return user


def _finish(request: HttpRequest, user, device) -> HttpResponse:
    next_url = request.session.pop(NEXT_KEY, None)
    twofactor.complete_login(request, user, device)
    return redirect(twofactor.safe_next(request, next_url))


def _throttled(device) -> str | None:
    """Why `device` takes no code now, or None when it does.

    django-otp makes a device wait 1, 2, 4, 8... seconds after each wrong code, and refuses
    even a right code meanwhile: say how long, so a user who typed the right code after a
    wrong one knows it was not the code that was wrong.
    """
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    if locked_until is None:
        return _("Too many wrong codes. Wait a minute, then try again.")
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    return ngettext(
        "Too many wrong codes in a row. Wait %(seconds)s second, then try again.",
        "Too many wrong codes in a row. Wait %(seconds)s seconds, then try again.",
        seconds,
    ) % {"seconds": seconds}


def _warn_about_backup_codes(request: HttpRequest, user, device) -> None:
    # A user without an app is asked to set one up by the home page's notice, which links
    # to the enrolment: a message saying the same would be a second banner.
    remaining = device.token_set.count()
    if twofactor.totp_device(user) is not None and remaining <= 3:
        messages.warning(request, _("You have %(count)s backup codes left.") % {"count": remaining})


@dataclass(frozen=True)
class _Factor:
    """One kind of second factor, as the login and the step-up ask for its code."""

    find_device: Callable
    form_class: type[Form]
    wrong: str
    after: Callable | None = None


APP = _Factor(
    find_device=twofactor.totp_device,
    form_class=CodeForm,
    wrong=gettext_lazy("That code is not right. Enter the code the app shows now."),
)
BACKUP = _Factor(
    find_device=twofactor.backup_device,
    form_class=BackupCodeForm,
    wrong=gettext_lazy("That backup code is not right, or it was used already."),
    after=_warn_about_backup_codes,
)


def _code_step(
    request: HttpRequest,
    user,
    factor: _Factor,
    *,
    elsewhere: Callable[[object], str],
    accepted: Callable[[HttpRequest, object, object], HttpResponse],
    template: str,
    context: Callable[[object], dict],
) -> HttpResponse:
    """Ask `user` for a code from one kind of device, at login or at a step-up: `accepted`
    answers a right code; a user without such a device goes `elsewhere`. Throttled by the
    device, counted towards the lockout, audited when wrong."""
    device = factor.find_device(user)
    if device is None:
        return redirect(elsewhere(user))
    if _is_locked(request, user):
        return _locked_response(request)
    form = factor.form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = _throttled(device)
        if throttled:
            form.add_error("code", throttled)
        elif device.verify_token(form.cleaned_data["code"]):
            response = accepted(request, user, device)
            if factor.after is not None:
                factor.after(request, user, device)
            return response
        else:
            _count_failed_code(request, user, twofactor.device_kind(device))
            if getattr(request, "axes_locked_out", False):
                return _locked_response(request)
            form.add_error("code", factor.wrong)
    return render(request, template, {"form": form, **context(user)})


def _login_code_step(
    request: HttpRequest, factor: _Factor, template: str, context: Callable[[object], dict]
) -> HttpResponse:
    """The second step of signing in, for the user who passed the password."""
    user = _pending_or_restart(request)
    if user is None:
        return redirect("accounts:login")
    return _code_step(
        request,
        user,
        factor,
        elsewhere=_second_step,
        accepted=_finish,
        template=template,
        context=context,
    )


@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    return _login_code_step(
        request,
        APP,
        "accounts/verify.html",
        lambda user: {"has_backup_codes": twofactor.has_backup_codes(user)},
    )


@require_http_methods(["GET", "POST"])
def backup_view(request: HttpRequest) -> HttpResponse:
    return _login_code_step(
        request,
        BACKUP,
        "accounts/backup.html",
        lambda user: {"has_app": twofactor.totp_device(user) is not None},
    )


def _step_up(request: HttpRequest, factor: _Factor) -> HttpResponse:
    """A fresh code from a signed-in user before a sensitive action (see stepup.py), then
    back to `next`: the page that asked, where the user confirms the action again."""
    next_url = twofactor.safe_next(request, request.GET.get("next"))
    query = urlencode({"next": next_url})

    def elsewhere(user) -> str:
        page = _second_step(user, app="accounts:step-up", backup="accounts:step-up-backup")
        return f"{reverse(page)}?{query}"

    def accepted(request: HttpRequest, user, device) -> HttpResponse:
        stepup.complete_step_up(request, device)
        return redirect(next_url)

    return _code_step(
        request,
        request.user,
        factor,
        elsewhere=elsewhere,
        accepted=accepted,
        template="accounts/step_up.html",
        context=lambda user: {
            "backup": factor is BACKUP,
            "query": query,
            "has_app": twofactor.totp_device(user) is not None,
            "has_backup_codes": twofactor.has_backup_codes(user),
        },
    )


@require_http_methods(["GET", "POST"])
def step_up_view(request: HttpRequest) -> HttpResponse:
    return _step_up(request, APP)


@require_http_methods(["GET", "POST"])
def step_up_backup_view(request: HttpRequest) -> HttpResponse:
    return _step_up(request, BACKUP)


ENROL_DEVICE_KEY = "twofactor_enrol_device"


def _enrolment_device(request: HttpRequest, user) -> TOTPDevice:
    """The unconfirmed device being enrolled, kept across reloads so the QR code stays."""
    device_id = request.session.get(ENROL_DEVICE_KEY)
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
        request.session[ENROL_DEVICE_KEY] = device.pk
    return device


def _base32_key(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code, confirm with a code, get backup codes.

    Open to a user who passed the password step and has no second factor at all yet, and to a
    signed-in user (who came in with a backup code) who has no app. Never a way around a
    second factor a user already has.
    """
    verified = request.user.is_authenticated and request.user.is_verified()
    if verified:
        user = request.user
        if twofactor.totp_device(user):
            messages.info(request, _("Your authenticator app is already set up."))
            return redirect("home")
    else:
        user = _pending_or_restart(request)
        if user is None:
            return redirect("accounts:login")
        if twofactor.totp_device(user) or twofactor.has_backup_codes(user):
            return redirect(_second_step(user))
        if _is_locked(request, user):
            return _locked_response(request)

    device = _enrolment_device(request, user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = _throttled(device)
        if throttled:
            form.add_error("code", throttled)
        elif device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            request.session.pop(ENROL_DEVICE_KEY, None)
            codes = twofactor.new_backup_codes(user)
            audit.record(request, "auth.device_enrolled", user, "authenticator app", actor=user)
            if not verified:
                request.session.pop(NEXT_KEY, None)
                twofactor.complete_login(request, user, device)
            request.session[twofactor.BACKUP_CODES_KEY] = codes
            return redirect("accounts:backup-codes")
        else:
            _count_failed_code(request, user, "enrolment")
            if getattr(request, "axes_locked_out", False):
                return _locked_response(request)
            form.add_error(
                "code",
                _("That code is not right. Check that the app shows ÅMP Case and try again."),
            )
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000000", light="#ffffff", title=_("QR code for your authenticator app")
    )
    return render(
        request,
        "accounts/enrol.html",
        {"form": form, "qr_svg": qr_svg, "secret": _base32_key(device)},
    )


@require_http_methods(["GET", "POST"])
def backup_codes_view(request: HttpRequest) -> HttpResponse:
    """Shows the new backup codes once; a reload does not show them again."""
    if request.method == "POST":
        return redirect("home")
    codes = request.session.pop(twofactor.BACKUP_CODES_KEY, None)
    if not codes:
        return redirect("home")
    return render(request, "accounts/backup_codes.html", {"codes": codes})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(request, "auth.logout", request.user)
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("accounts:login")
