"""The reintegration app's work queues on the home page."""

from django.utils.translation import gettext_lazy as _

from ampcase.accounts.roles import Role
from referrals.grants import cases_for
from referrals.models import JOURNEY_OPEN_STATES
from referrals.permissions import IDENTITY
from referrals.queues import oldest
from referrals.registry import Queue

from .models import LIVE_STATES, PaymentState, TravelState


def incidents(user) -> list[Queue]:
    """IOM Finland: journeys that failed and have no new plan yet."""
    if not user.has_role(Role.IOM_CASEWORKER):
        return []
    cases = (
        cases_for(user)
        .filter(
            state__in=JOURNEY_OPEN_STATES,
            travel_plans__state=TravelState.INCIDENT,
        )
        .exclude(travel_plans__state__in=LIVE_STATES)
        .distinct()
    )
    return [Queue("incidents", _("Journeys with incidents"), oldest(cases), _("No incidents."))]


def payments(user) -> list[Queue]:
    """Approvers: cases with payments to approve. The destination's office: approved payments
    to pay out, and paid ones whose receipt is still to be reconciled."""
    queues = []
    if user.has_role(Role.IOM_APPROVER):
        waiting = cases_for(user, IDENTITY).filter(payments__state=PaymentState.REQUESTED)
        queues.append(
            Queue(
                "approve",
                _("Payments to approve"),
                oldest(waiting.distinct()),
                _("No payments are waiting for approval."),
            )
        )
    if user.has_role(Role.COUNTRY_OFFICE):
        visible = cases_for(user, IDENTITY)
        queues += [
            Queue(
                "disburse",
                _("Approved payments to disburse"),
                oldest(visible.filter(payments__state=PaymentState.APPROVED).distinct()),
                _("No approved payments to disburse."),
            ),
            Queue(
                "reconcile",
                _("Receipts to reconcile"),
                oldest(visible.filter(payments__state=PaymentState.DISBURSED).distinct()),
                _("No payments to reconcile."),
            ),
        ]
    return queues
