"""The reintegration app's work queues on the home page."""

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ampcase.accounts.roles import Role
from referrals.grants import cases_for
from referrals.models import JOURNEY_OPEN_STATES
from referrals.permissions import IDENTITY
from referrals.queues import oldest
from referrals.registry import Queue

from .models import LIVE_STATES, FlightSegment, FollowUp, PaymentState, TravelState
from .services import followup
from .services.support import SUPPORT_STATES


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


def arrivals(user) -> list[Queue]:
    """The destination's office: returnees on their way or about to be, with the flight that
    lands last and its date (local time at the airport)."""
    if not user.has_role(Role.COUNTRY_OFFICE):
        return []
    cases = oldest(cases_for(user).filter(state__in=JOURNEY_OPEN_STATES))
    last_flight = {}
    for flight in (
        FlightSegment.objects.filter(plan__case__in=cases, plan__state__in=LIVE_STATES)
        .select_related("plan")
        .order_by("arrives_on", "arrives_at")
    ):
        last_flight[flight.plan.case_id] = flight
    notes = {
        case_id: f"{flight.flight_number} {flight.to_airport} {flight.arrives_on:%Y-%m-%d} "
        f"{flight.arrives_at:%H:%M}"
        for case_id, flight in last_flight.items()
    }
    return [Queue("arrivals", _("Arrivals expected"), cases, _("No arrivals expected."), notes)]


def follow_ups(user) -> list[Queue]:
    """The destination's office: follow-ups due this week and overdue ones. IOM Finland:
    overdue follow-ups in every country. Dates count in each destination's time zone."""
    office = user.has_role(Role.COUNTRY_OFFICE)
    if not office and not user.has_role(Role.IOM_CASEWORKER):
        return []
    visible = cases_for(user, IDENTITY).filter(state__in=SUPPORT_STATES)
    now = timezone.now()
    countries = set(visible.order_by().values_list("destination_country", flat=True).distinct())
    today = {code: followup.country_zone(code) for code in countries}
    today = {code: now.astimezone(zone).date() for code, zone in today.items()}
    overdue = Q(pk__in=[])
    due_soon = Q(pk__in=[])
    for code, day in today.items():
        in_country = Q(case__destination_country=code, done_on__isnull=True)
        overdue |= in_country & Q(due_on__lt=day)
        due_soon |= in_country & Q(due_on__gte=day, due_on__lt=day + dt.timedelta(days=7))
    open_contacts = FollowUp.objects.filter(case__in=visible)
    queues = []
    if office:
        soon = open_contacts.filter(due_soon).values("case")
        queues.append(
            Queue(
                "follow-ups-due",
                _("Follow-ups due this week"),
                oldest(visible.filter(pk__in=soon)),
                _("No follow-ups due this week."),
            )
        )
    late = open_contacts.filter(overdue).values("case")
    queues.append(
        Queue(
            "follow-ups-overdue",
            _("Follow-ups overdue"),
            oldest(visible.filter(pk__in=late)),
            _("No follow-ups are overdue."),
        )
    )
    return queues


def threats(user) -> list[Queue]:
    """IOM Finland and the region's coordinators: cases whose follow-up reported signs of
    renewed exploitation or a threat, until a risk table completed after it."""
    if not (user.has_role(Role.IOM_CASEWORKER) or user.has_role(Role.REGION_COORDINATOR)):
        return []
    reported = FollowUp.objects.filter(case=OuterRef("pk"), threat=True).exclude(
        case__risk_tables__completed_at__gte=F("recorded_at")
    )
    cases = cases_for(user).filter(Exists(reported))
    return [
        Queue(
            "threats",
            _("Threats reported after arrival: review the risk table"),
            oldest(cases),
            _("No threats reported."),
        )
    ]
