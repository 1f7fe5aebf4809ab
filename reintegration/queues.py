"""The reintegration app's work queues on the home page."""

from django.utils.translation import gettext_lazy as _

from ampcase.accounts.roles import Role
from referrals.grants import cases_for
from referrals.models import JOURNEY_OPEN_STATES
from referrals.queues import oldest
from referrals.registry import Queue

from .models import LIVE_STATES, TravelState


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
