"""Downloads for reporting: made on request, handed out, never stored on the server."""

import json

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ampcase import audit
from ampcase.accounts.roles import Role
from ampcase.lib.http import attachment_disposition

from . import htcds

EXPORTERS = frozenset({Role.IOM_CASEWORKER, Role.IOM_APPROVER})


def may_export(user) -> bool:
    """Whether `user` may download the HTCDS file (and the home page offers it)."""
    return bool(EXPORTERS & user.roles)


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
