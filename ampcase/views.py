"""The home page and the error pages, which show no personal data and no stack trace."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from ampcase import audit
from ampcase.accounts import twofactor
from ampcase.accounts.roles import Role


def home(request: HttpRequest) -> HttpResponse:
    # The project's home page gathers the apps' work queues; the apps know nothing of it.
    from ampcase.statistics.views import may_export, may_view_dashboard
    from referrals.queues import state_counts
    from referrals.registry import queues_for

    roles = [Role(code) for code in Role.values if code in request.user.roles]
    context = {
        "roles": roles,
        "needs_app": twofactor.totp_device(request.user) is None,
        "queues": queues_for(request.user),
        "state_counts": state_counts(request.user),
        "may_export_htcds": may_export(request.user),
        "may_view_statistics": may_view_dashboard(request.user),
    }
    return render(request, "home.html", context)


def _where(request: HttpRequest) -> str:
    # The view name, not the path: paths could one day carry something identifying.
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    # A service that refused has already recorded the denial, with the object it concerned.
    if not getattr(exception, "audited", False):
        audit.record(request, "access.denied", summary=_where(request))
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    audit.record(request, "access.csrf_failed", summary=_where(request))
    return render(
        request,
        "403.html",
        {
            "message": _(
                "The form had expired or did not come from this site. Go back, reload the "
                "page and try again."
            )
        },
        status=403,
    )


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: whatever failed must not fail again while rendering this.
    return HttpResponse(get_template("500.html").render(), status=500)
