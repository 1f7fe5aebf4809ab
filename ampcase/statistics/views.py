"""Reporting: the statistics dashboard and its downloads, and IOM's HTCDS file. Every view
and every download is in the audit trail with its filters; downloads are made on request,
handed out, never stored on the server."""

import json

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ampcase import audit
from ampcase.accounts.models import Region
from ampcase.accounts.roles import Role
from ampcase.lib import charts
from ampcase.lib.http import attachment_disposition
from ampcase.lib.tables import table_response

from . import dashboard, htcds
from .forms import DashboardFilters

EXPORTERS = frozenset({Role.IOM_CASEWORKER, Role.IOM_APPROVER})
FORMATS = ("csv", "xlsx")


def may_export(user) -> bool:
    """Whether `user` may download the HTCDS file (and the home page offers it)."""
    return bool(EXPORTERS & user.roles)


def may_view_dashboard(user) -> bool:
    """Whether `user` may see the statistics dashboard (and the home page offers it)."""
    return dashboard.scope_for(user) is not None


def _filtered(request: HttpRequest):
    """The viewer's scope and the dashboard for the filters asked (invalid filters: the
    current year, the viewer's whole scope, and the form's errors)."""
    scope = dashboard.scope_for(request.user)
    if scope is None:
        raise PermissionDenied
    this_year = timezone.localdate().year
    years = dashboard.known_years(this_year)
    form = DashboardFilters(
        request.GET if request.GET else None, years=years, national=scope.national
    )
    year, region = this_year, None
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
        region = form.cleaned_data.get("region")
    if not scope.national:
        region = Region.objects.get(pk=next(iter(scope.regions)))
    board = dashboard.cached_build(year, region)
    filters = f"year={year} region={region.code if region else 'all'}"
    return form, board, filters


@require_GET
def statistics_dashboard(request: HttpRequest) -> HttpResponse:
    form, board, filters = _filtered(request)
    audit.record(request, "statistics.viewed", summary=filters)
    sections = []
    for section in board.sections:
        chart = None
        # A total is a line of the table, not a bar or a month of the chart.
        drawn = -1 if section.has_total else None
        chart_id = f"chart-{section.key}"
        if section.chart == "bars":
            chart = charts.bar_chart(section.table, chart_id=chart_id, drawn=drawn)
        elif section.chart == "line":
            chart = charts.line_chart(section.table, chart_id=chart_id, drawn=drawn)
        sections.append({"section": section, "chart": chart})
    return render(
        request,
        "statistics/dashboard.html",
        {
            "form": form,
            "board": board,
            "sections": sections,
            "query": request.GET.urlencode(),
            "formats": FORMATS,
        },
    )


@require_GET
def statistics_table(request: HttpRequest, key: str, file_format: str) -> HttpResponse:
    """One of the dashboard's tables as a file, with the same filters and suppression."""
    if file_format not in FORMATS:
        raise Http404
    form, board, filters = _filtered(request)
    section = board.by_key.get(key)
    if section is None:
        raise Http404
    audit.record(
        request, "statistics.exported", summary=f"table={key} format={file_format} {filters}"
    )
    return table_response(section.table, file_format)


@require_GET
def htcds_export(request: HttpRequest) -> HttpResponse:
    """IOM Finland's HTCDS 2.0 file of the consenting returnees' cases it sees, validated
    against the schema before it is offered."""
    if not may_export(request.user):
        raise PermissionDenied
    try:
        document, count = htcds.export(request.user)
    except htcds.ExportError as error:
        audit.record(request, "statistics.htcds_export_failed")
        return render(request, "statistics/export_failed.html", {"message": str(error)}, status=500)
    audit.record(request, "statistics.htcds_exported", summary=f"records={count}")
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1), content_type="application/json"
    )
    # A name that says what and when, nothing of whom.
    filename = f"amp-htcds-2.0-{document['exported_on']}.json"
    response["Content-Disposition"] = attachment_disposition(filename)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
