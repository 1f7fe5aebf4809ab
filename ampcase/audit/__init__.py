"""The audit trail: one function every part of the system calls to record what happened.

    from ampcase import audit
    audit.record(request, "case.viewed", case)
    audit.record(None, "case.submitted", case, "to IOM Finland", actor=user)

Actions are dotted and in the past tense. The summary must never contain personal data: it is
read by administrators who have no access to case content.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import AuditEvent


# The request being served, so that services that record events without a request at hand
# still note the client address (set by `AuditContextMiddleware`).
current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


def record(
    request: HttpRequest | None,
    action: str,
    obj: Any = None,
    summary: str = "",
    *,
    actor: Any = None,
) -> AuditEvent:
    """Append one event. The actor defaults to the request's signed-in user; the IP address
    comes from the request. Call it inside the transaction of the change it records."""
    from ampcase.lib.http import client_ip

    from .models import AuditEvent

    if request is None:
        request = current_request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    object_type = object_id = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
    return AuditEvent.objects.create(
        actor=actor,
        organisation_id=getattr(actor, "organisation_id", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:255],
        ip_address=client_ip(request) if request is not None else None,
    )
