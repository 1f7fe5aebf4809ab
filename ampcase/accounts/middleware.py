import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from .twofactor import AUTH_AT_KEY

# The only views a visitor without a second factor may reach. Static files are served by
# WhiteNoise before any of this runs.
OPEN_VIEWS = frozenset(
    {
        "accounts:login",
        "accounts:verify",
        "accounts:backup",
        "accounts:enrol",
        "accounts:logout",
        "set_language",
    }
)


def _view_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


class TwoFactorRequiredMiddleware:
    """Every page needs a user who passed both the password and the code.

    One middleware instead of a decorator per view, so that no view can be forgotten. A
    session that passed only the password is not a login: it is ended and sent to the login
    page. Sessions also end 12 hours after login, however active.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_verified():
            auth_at = request.session.get(AUTH_AT_KEY, 0)
            if time.time() - auth_at <= settings.SESSION_ABSOLUTE_AGE.total_seconds():
                return self.get_response(request)
            logout(request)
            messages.info(request, _("You were signed out after 12 hours. Sign in again."))
            return redirect_to_login(request.get_full_path())

        if _view_name(request) in OPEN_VIEWS:
            return self.get_response(request)
        if user.is_authenticated:
            logout(request)
        return redirect_to_login(request.get_full_path())
