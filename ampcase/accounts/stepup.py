"""Step-up: a fresh second-factor code before a sensitive action.

A view that changes something sensitive (approving a payment) asks for it:

    from ampcase.accounts.stepup import fresh_code_required

    @fresh_code_required
    def payment_approve(request, payment_uuid): ...

When the last code (at login or at a step-up) was given more than `STEP_UP_SECONDS` ago, the
view does not run: GET and POST alike are sent to the step-up page (`accounts:step-up`) with
`?next=` the path that asked. A POST that had to step up is dropped, not replayed: after the
code the user is back on the page (a GET) and confirms the action again, knowing what it is.
A correct code records the time, rotates the session key and is audited (`auth.stepped_up`).

The views of the step-up page live with the login's code steps in views.py, whose forms,
device check, throttling and lockout they share.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from axes.utils import reset as axes_reset
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from ampcase import audit

from . import twofactor


def code_is_fresh(request: HttpRequest) -> bool:
    """Whether the session's last code was given within `STEP_UP_SECONDS`. A session that
    never recorded one (signed in before step-up existed) is not fresh."""
    verified_at = request.session.get(twofactor.VERIFIED_AT_KEY)
    if verified_at is None:
        return False
    return time.time() - verified_at <= settings.STEP_UP_SECONDS


def step_up_url(request: HttpRequest) -> str:
    """The step-up page, coming back to the path this request asked for."""
    next_url = twofactor.safe_next(request, request.get_full_path())
    return f"{reverse('accounts:step-up')}?{urlencode({'next': next_url})}"


def fresh_code_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run `view` only if the session's last code is fresh; otherwise send the user to the
    step-up page. The view itself is not called, so a POST is not carried out."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if code_is_fresh(request):
            return view(request, *args, **kwargs)
        return redirect(step_up_url(request))

    return wrapper


def complete_step_up(request: HttpRequest, device) -> None:
    """Record that the signed-in user just gave a correct code from `device`."""
    # A new key for the session that may now act: one copied before the step-up is worthless.
    request.session.cycle_key()
    request.session[twofactor.VERIFIED_AT_KEY] = time.time()
    # As a sign-in does (AXES_RESET_ON_SUCCESS): the user has shown who they are, so earlier
    # wrong codes no longer count towards a lockout.
    axes_reset(username=request.user.get_username())
    audit.record(request, "auth.stepped_up", request.user, twofactor.device_kind(device))
