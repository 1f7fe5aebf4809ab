"""Changes to the journey home. Same order as every service: lock the case, check, change,
write the timeline and the audit event in the same transaction. Departure and arrival move
the case itself, through the referrals services."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from referrals import services as case_services
from referrals.models import Case, CaseState, Person

from . import permissions
from .models import LIVE_STATES, FlightSegment, TravelDocument, TravelPlan
from .models import TravelState as T


class TravelError(case_services.CaseError):
    pass


# The case states in which a journey is planned, and in which an arrival is recorded.
PLAN_CASE_STATES = frozenset({CaseState.APPROVED, CaseState.IN_TRANSIT})
ARRIVAL_CASE_STATES = frozenset({CaseState.IN_TRANSIT})

PLAN_FIELDS = ("escort_needed", "escort", "reception", "onward_transport", "notes")
FLIGHT_FIELDS = (
    "flight_number",
    "from_airport",
    "to_airport",
    "departs_on",
    "departs_at",
    "arrives_on",
    "arrives_at",
    "assistance_on_arrival",
)


def _locked_case(case: Case, by, allowed=permissions.can_plan, states=PLAN_CASE_STATES) -> Case:
    locked = case_services.lock_case(case, by)
    # A case that moved on meanwhile (departed, withdrawn) is a stale page, not a refusal:
    # the user is told what happened instead of being shown "access denied".
    if locked.state not in states:
        raise TravelError(
            _(
                "The case is now “%(state)s”, so this cannot be done. Reload the page to see "
                "what changed."
            )
            % {"state": locked.get_state_display()}
        )
    if not allowed(locked, by):
        raise case_services.Denied(locked, by, "travel")
    return locked


def live_plan(case: Case) -> TravelPlan | None:
    return case.travel_plans.filter(state__in=LIVE_STATES).first()


def _live_plan(case: Case, *states: str) -> TravelPlan:
    """The case's live plan, locked, which must be in one of `states`."""
    plan = TravelPlan.objects.select_for_update().filter(case=case, state__in=LIVE_STATES).first()
    if plan is None:
        raise TravelError(_("There is no travel plan for this case. Start one first."))
    if states and plan.state not in states:
        raise TravelError(
            _("The travel plan is now “%(state)s”, so this cannot be done. Reload the page.")
            % {"state": plan.get_state_display()}
        )
    return plan


def _planning(case: Case) -> TravelPlan:
    plan = TravelPlan.objects.select_for_update().filter(case=case, state__in=LIVE_STATES).first()
    if plan is not None and plan.state != T.PLANNING:
        raise TravelError(
            _("A booked journey cannot be changed. Reopen the booking first to change it.")
        )
    if plan is None:
        raise TravelError(_("There is no travel plan for this case. Start one first."))
    return plan


@case_services.service
def start_plan(case: Case, *, by, **fields) -> TravelPlan:
    """Start planning the journey of an approved case (or a new journey after a cancelled
    one or an incident). A case has one live plan at a time."""
    case = _locked_case(case, by)
    if TravelPlan.objects.filter(case=case, state__in=LIVE_STATES).exists():
        raise TravelError(_("This case already has a travel plan."))
    plan = TravelPlan.objects.create(case=case, created_by=by, **fields)
    case_services.log_event(case, by, "travel.planned")
    return plan


@case_services.service
def change_plan(case: Case, *, by, **fields) -> TravelPlan:
    case = _locked_case(case, by)
    plan = _planning(case)
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.save()
    case_services.log_event(case, by, "travel.changed")
    return plan


@case_services.service
def save_flight(case: Case, *, by, flight: FlightSegment | None = None, **fields) -> FlightSegment:
    """Add a flight to the plan being prepared, or change one (`flight`)."""
    case = _locked_case(case, by)
    plan = _planning(case)
    if fields["arrives_on"] < fields["departs_on"] - timedelta(days=1) or (
        fields["arrives_on"] > fields["departs_on"] + timedelta(days=2)
    ):
        raise TravelError(_("The arrival date must be close to the departure date."))
    if flight is None:
        flight = FlightSegment.objects.create(plan=plan, **fields)
        case_services.log_event(case, by, "travel.flight_added", fields["flight_number"])
        return flight
    if flight.plan_id != plan.pk:
        raise TravelError(_("This flight is not part of the plan being prepared."))
    for name, value in fields.items():
        setattr(flight, name, value)
    flight.save()
    case_services.log_event(case, by, "travel.flight_changed", flight.flight_number)
    return flight


@case_services.service
def delete_flight(case: Case, *, by, flight: FlightSegment) -> None:
    case = _locked_case(case, by)
    plan = _planning(case)
    if flight.plan_id != plan.pk:
        raise TravelError(_("This flight is not part of the plan being prepared."))
    number = flight.flight_number
    flight.delete()
    case_services.log_event(case, by, "travel.flight_removed", number)


def travellers(case: Case) -> list[Person]:
    """Everyone who travels: the returnee first, then every accompanying child."""
    return sorted(case.people.all(), key=lambda person: person.relation != Person.Relation.RETURNEE)


@case_services.service
def save_travel_document(
    case: Case, *, by, person: Person, kind: str, number: str, valid_until: date
) -> TravelDocument:
    """Record the document `person` travels on (one per traveller and plan)."""
    case = _locked_case(case, by)
    plan = _planning(case)
    if person.case_id != case.pk:
        raise TravelError(_("This person does not travel in this case."))
    document, created = TravelDocument.objects.update_or_create(
        plan=plan,
        person=person,
        defaults={"kind": kind, "number": number, "valid_until": valid_until},
    )
    case_services.log_event(case, by, "travel.document_saved", document.get_kind_display())
    return document


def booking_problems(plan: TravelPlan) -> list[str]:
    """Everything that stands between the plan and a booking, in words for IOM Finland."""
    problems: list[str] = []
    flights = list(plan.flights.all())
    if not flights:
        problems.append(_("Add the flights."))
    for before, after in zip(flights, flights[1:], strict=False):
        if before.to_airport != after.from_airport:
            problems.append(
                _(
                    "Flight %(next)s leaves from %(airport)s, but the flight before lands at "
                    "%(landing)s."
                )
                % {
                    "next": after.flight_number,
                    "airport": after.from_airport,
                    "landing": before.to_airport,
                }
            )
        elif (after.departs_on, after.departs_at) <= (before.arrives_on, before.arrives_at):
            problems.append(
                _("Flight %(next)s leaves before the flight before it lands.")
                % {"next": after.flight_number}
            )
    if flights and flights[0].departs_on < timezone.localdate():
        problems.append(_("The first flight leaves in the past."))
    last_day = max((f.arrives_on for f in flights), default=None)
    documents = {d.person_id: d for d in plan.documents.all()}
    for person in travellers(plan.case):
        document = documents.get(person.pk)
        if document is None:
            problems.append(
                _("The travel document of %(name)s is missing.") % {"name": person.given_name}
            )
        elif last_day is not None and document.valid_until < last_day:
            problems.append(
                _("The travel document of %(name)s expires before the journey ends.")
                % {"name": person.given_name}
            )
    if plan.escort_needed and not plan.escort.strip():
        problems.append(_("Name the escort who travels with the returnee."))
    if not plan.reception.strip():
        problems.append(_("Say who meets the returnee at the arrival airport."))
    return problems


@case_services.service
def book(case: Case, *, by) -> TravelPlan:
    """Mark the journey booked. Refused, with everything missing listed, unless the plan is
    complete (`booking_problems`)."""
    case = _locked_case(case, by)
    plan = _live_plan(case, T.PLANNING)
    problems = booking_problems(plan)
    if problems:
        raise TravelError(_("The journey cannot be booked yet."), problems)
    plan.book(by=by)
    plan.save()
    case_services.log_event(case, by, "travel.booked", _first_flight_note(plan))
    return plan


def _first_flight_note(plan: TravelPlan) -> str:
    first = plan.flights.first()
    return f"{first.flight_number} {first.departs_on:%Y-%m-%d}" if first else ""


@case_services.service
def reopen(case: Case, *, by, reason: str) -> TravelPlan:
    """Take a booked journey back to planning, to change it."""
    if not reason.strip():
        raise TravelError(_("Say why the booking must change."))
    case = _locked_case(case, by)
    plan = _live_plan(case, T.BOOKED)
    plan.reopen()
    plan.save()
    case_services.log_event(case, by, "travel.reopened", reason)
    return plan


@case_services.service
def record_departure(case: Case, *, by) -> TravelPlan:
    """The returnee has left: the plan is departed and the case in transit."""
    case = _locked_case(case, by)
    plan = _live_plan(case, T.BOOKED)
    plan.depart()
    plan.save()
    case_services.log_event(case, by, "travel.departed")
    if case.state == CaseState.APPROVED:
        case_services.mark_departed(case, by=by)
    return plan


@case_services.service
def record_arrival(case: Case, *, by) -> TravelPlan:
    """The returnee has been met at the destination: reintegration starts."""
    case = _locked_case(case, by, allowed=permissions.can_receive, states=ARRIVAL_CASE_STATES)
    plan = _live_plan(case, T.DEPARTED)
    plan.arrive()
    plan.save()
    case_services.log_event(case, by, "travel.arrived")
    case_services.mark_arrived(case, by=by)
    return plan


@case_services.service
def cancel(case: Case, *, by, reason: str) -> TravelPlan:
    """Cancel a journey not yet made. The plan is kept; a new one can be started."""
    if not reason.strip():
        raise TravelError(_("Give the reason for the cancellation."))
    case = _locked_case(case, by)
    plan = _live_plan(case, T.PLANNING, T.BOOKED)
    plan.cancel(reason=reason)
    plan.save()
    case_services.log_event(case, by, "travel.cancelled", reason)
    return plan


@case_services.service
def report_incident(case: Case, *, by, description: str) -> TravelPlan:
    """A journey failed: the returnee did not travel, or left in transit. The plan ends with
    what happened; the case stays where it is until a new plan is made or it is closed."""
    if not description.strip():
        raise TravelError(_("Describe what happened."))
    case = _locked_case(case, by)
    plan = _live_plan(case, T.BOOKED, T.DEPARTED)
    plan.report_incident(description=description)
    plan.save()
    case_services.log_event(case, by, "travel.incident", description)
    return plan


def cancel_on_withdrawal(sender, *, case: Case, by, **kwargs) -> None:
    """The returnee withdrew before departure: a journey still being planned or booked is
    cancelled with the case (inside the withdrawal's transaction)."""
    plan = (
        TravelPlan.objects.select_for_update()
        .filter(case=case, state__in=[T.PLANNING, T.BOOKED])
        .first()
    )
    if plan is None or not can_proceed(plan.cancel):
        return
    plan.cancel(reason=_("The returnee withdrew."))
    plan.save()
    case_services.log_event(case, by, "travel.cancelled", plan.end_reason)
