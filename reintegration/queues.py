"""The reintegration app's work queues on the home page."""

from django.utils.translation import gettext_lazy as _

from ampcase.accounts.roles import Role
from referrals import permissions
from referrals.models import CaseState
from referrals.queues import Queue, oldest

from .models import LIVE_STATES, TravelState


def incidents(user) -> list[Queue]:
    """IOM Finland: journeys that failed and have no new plan yet."""
    if not user.has_role(Role.IOM_CASEWORKER):
        return []
    cases = (
        permissions.cases_for(user)
        .filter(
            state__in=[CaseState.APPROVED, CaseState.IN_TRANSIT],
            travel_plans__state=TravelState.INCIDENT,
        )
        .exclude(travel_plans__state__in=LIVE_STATES)
        .distinct()
    )
    return [Queue("incidents", _("Journeys with incidents"), oldest(cases), _("No incidents."))]
