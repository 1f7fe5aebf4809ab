"""Changes to the journey home. Same order as every service: lock the case, check that the
step fits the state things are in now, then the permission, change, write the timeline and the
audit event in the same transaction. The plan's transitions run through referrals' one runner
(`run_transition`); departure and arrival move the case itself (`advance`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from ampcase.lib import fsm
from referrals import services as case_services
from referrals.models import JOURNEY_OPEN_STATES, Case, Person

from .. import airports, permissions
from ..models import LIVE_STATES, FlightSegment, TravelDocument, TravelPlan
from . import followup, support


class TravelError(case_services.CaseError):
    pass


# The case states in which a journey is to be made or was made (once arrived, too).
JOURNEY_STATES = JOURNEY_OPEN_STATES | fsm.targets(Case.arrive)

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


def journey_open(case: Case) -> bool:
    """The journey home is still to be made: the case can depart, or arrive."""
    return can_proceed(case.depart) or can_proceed(case.arrive)


def _locked_case(
    case: Case,
    by,
    allowed: Callable | None = permissions.can_plan,
    fits: Callable[[Case], bool] = journey_open,
) -> Case:
    locked = case_services.lock_case(case, by)
    # A case that moved on meanwhile (departed, withdrawn) is a stale page, not a refusal:
    # the user is told what happened instead of being shown "access denied".
    if not fits(locked):
        raise TravelError(case_services.now_in_state(locked))
    if allowed is not None and not allowed(locked, by):
        raise case_services.Denied(locked, by, "travel")
    return locked


def live_plan(case: Case) -> TravelPlan | None:
    return case.travel_plans.filter(state__in=LIVE_STATES).first()


def latest_plan(case: Case) -> TravelPlan | None:
    """What a step on the journey acts on: the live plan, or else the plan that ended last
    (so that a step taken twice is told the plan is now cancelled)."""
    plans = list(case.travel_plans.all())
    return next((plan for plan in plans if plan.is_live), plans[0] if plans else None)


def _locked_plan(case: Case) -> TravelPlan:
    """The case's live plan, locked."""
    plan = TravelPlan.objects.select_for_update().filter(case=case, state__in=LIVE_STATES).first()
    if plan is None:
        raise TravelError(_("There is no travel plan for this case. Start one first."))
    plan.case = case
    return plan


def _being_prepared(case: Case) -> TravelPlan:
    plan = _locked_plan(case)
    if not plan.open_for_changes:
        raise TravelError(
            _("A booked journey cannot be changed. Reopen the booking first to change it.")
        )
    return plan


def _plan_step(
    case: Case, by, name: str, action: str, note: str = "", fits=journey_open, **kwargs
) -> TravelPlan:
    """Lock the case and its live plan, and run the plan's transition `name` (on a case
    whose state `fits` it)."""
    locked = _locked_case(case, by, allowed=None, fits=fits)
    plan = _locked_plan(locked)
    case_services.run_transition(
        plan, name, by=by, case=locked, action=action, note=note, error=TravelError, **kwargs
    )
    return plan


@case_services.service
def start_plan(case: Case, *, by, copy_from: TravelPlan | None = None, **fields) -> TravelPlan:
    """Start planning the journey of an approved case (or a new journey after a cancelled
    one or an incident). A case has one live plan at a time.

    With `copy_from`, an ended plan of the case: the travellers' documents are copied from it
    (the arrangements come in `fields`, which the form fills from it). Its flights are not:
    they are booked anew. The ended plan stays as it was."""
    case = _locked_case(case, by)
    if TravelPlan.objects.filter(case=case, state__in=LIVE_STATES).exists():
        raise TravelError(_("This case already has a travel plan."))
    # Every plan that is not live has ended, and a live plan was refused just above: only
    # the case is left to check.
    if copy_from is not None and copy_from.case_id != case.pk:
        raise TravelError(_("A new plan can only start from an ended plan of this case."))
    plan = TravelPlan.objects.create(case=case, created_by=by, **fields)
    if copy_from is None:
        case_services.log_event(case, by, "travel.planned")
        return plan
    people = set(case.people.values_list("pk", flat=True))
    TravelDocument.objects.bulk_create(
        TravelDocument(
            plan=plan,
            person_id=document.person_id,
            kind=document.kind,
            number=document.number,
            valid_until=document.valid_until,
        )
        for document in copy_from.documents.all()
        if document.person_id in people
    )
    case_services.log_event(case, by, "travel.planned_again")
    return plan


@case_services.service
def change_plan(case: Case, *, by, **fields) -> TravelPlan:
    case = _locked_case(case, by)
    plan = _being_prepared(case)
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.save()
    case_services.log_event(case, by, "travel.changed")
    return plan


# No flight of a journey home lasts longer; a longer one is a typing slip in a date.
LONGEST_FLIGHT = timedelta(hours=24)


def flight_problems(fields: dict) -> list[tuple[str, str]]:
    """What is wrong with a flight's airports and times, as (field name, message): an airport
    code no airport has, or a flight that lands before it leaves or takes more than a day.
    Departure and arrival are compared as instants, each from the local time at its airport,
    so that a flight westward that lands "earlier" than it left by the clocks is accepted."""
    problems = []
    for name in ("from_airport", "to_airport"):
        if airports.get(fields[name]) is None:
            problems.append(
                (
                    name,
                    _(
                        "%(code)s is not the code of an airport we know. Check the "
                        "three-letter code on the ticket."
                    )
                    % {"code": fields[name]},
                )
            )
    if problems:
        return problems
    flight = FlightSegment(**fields)
    departs, arrives = flight.departs(), flight.arrives()
    if arrives <= departs:
        problems.append(
            (
                "arrives_on",
                _(
                    "The flight lands before it leaves. Check the dates and times: each is the "
                    "local time at its own airport."
                ),
            )
        )
    elif arrives - departs > LONGEST_FLIGHT:
        problems.append(
            (
                "arrives_on",
                _(
                    "The flight would take more than 24 hours. Check the dates and times: each "
                    "is the local time at its own airport."
                ),
            )
        )
    return problems


@case_services.service
def save_flight(case: Case, *, by, flight: FlightSegment | None = None, **fields) -> FlightSegment:
    """Add a flight to the plan being prepared, or change one (`flight`). Refused for an
    unknown airport, or a flight that lands before it leaves or lasts more than a day."""
    case = _locked_case(case, by)
    plan = _being_prepared(case)
    problems = flight_problems(fields)
    if problems:
        raise TravelError(problems[0][1], [message for _name, message in problems[1:]])
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
    plan = _being_prepared(case)
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
    plan = _being_prepared(case)
    if person.case_id != case.pk:
        raise TravelError(_("This person does not travel in this case."))
    document, created = TravelDocument.objects.update_or_create(
        plan=plan,
        person=person,
        defaults={"kind": kind, "number": number, "valid_until": valid_until},
    )
    case_services.log_event(case, by, "travel.document_saved", document.get_kind_display())
    return document


@dataclass(frozen=True)
class Missing:
    """One thing that stands between a plan and its booking, and what it is about, so that
    a page can link to where it is put right: the flights (`flight` None: add one), a flight,
    a traveller's document (`person`), or the plan's arrangements (neither)."""

    text: str
    about: str  # "flights", "flight", "document" or "arrangements"
    flight: FlightSegment | None = None
    person: Person | None = None

    def __str__(self) -> str:
        return self.text


def missing_for_booking(plan: TravelPlan) -> list[Missing]:
    """Everything that stands between the plan and a booking, in words for IOM Finland."""
    problems: list[Missing] = []
    flights = list(plan.flights.all())
    if not flights:
        problems.append(Missing(_("Add the flights."), "flights"))
    for before, after in zip(flights, flights[1:], strict=False):
        if before.to_airport != after.from_airport:
            text = _(
                "Flight %(next)s leaves from %(airport)s, but the flight before lands at "
                "%(landing)s."
            ) % {
                "next": after.flight_number,
                "airport": after.from_airport,
                "landing": before.to_airport,
            }
            problems.append(Missing(text, "flight", flight=after))
        elif after.departs() <= before.arrives():
            text = _("Flight %(next)s leaves before the flight before it lands.") % {
                "next": after.flight_number
            }
            problems.append(Missing(text, "flight", flight=after))
    if flights and flights[0].departs_on < timezone.localdate():
        problems.append(Missing(_("The first flight leaves in the past."), "flight", flights[0]))
    last_day = max((f.arrives_on for f in flights), default=None)
    documents = {d.person_id: d for d in plan.documents.all()}
    for person in travellers(plan.case):
        document = documents.get(person.pk)
        if document is None:
            text = _("The travel document of %(name)s is missing.") % {"name": person.given_name}
            problems.append(Missing(text, "document", person=person))
        elif last_day is not None and document.valid_until < last_day:
            text = _("The travel document of %(name)s expires before the journey ends.") % {
                "name": person.given_name
            }
            problems.append(Missing(text, "document", person=person))
    if plan.escort_needed and not plan.escort.strip():
        problems.append(
            Missing(_("Name the escort who travels with the returnee."), "arrangements")
        )
    if not plan.reception.strip():
        problems.append(
            Missing(_("Say who meets the returnee at the arrival airport."), "arrangements")
        )
    return problems


def booking_problems(plan: TravelPlan) -> list[str]:
    """Everything that stands between the plan and a booking, in words."""
    return [missing.text for missing in missing_for_booking(plan)]


@case_services.service
def book(case: Case, *, by) -> TravelPlan:
    """Mark the journey booked. Refused, with everything missing listed, unless the plan is
    complete (`booking_problems`)."""

    def complete(plan: TravelPlan) -> None:
        problems = booking_problems(plan)
        if problems:
            raise TravelError(_("The journey cannot be booked yet."), problems)

    locked = _locked_case(case, by, allowed=None)
    plan = _locked_plan(locked)
    case_services.run_transition(
        plan,
        "book",
        by=by,
        case=locked,
        action="travel.booked",
        note=_first_flight_note(plan),
        before=complete,
        error=TravelError,
        booker=by,
    )
    return plan


def _first_flight_note(plan: TravelPlan) -> str:
    first = plan.flights.first()
    return f"{first.flight_number} {first.departs_on:%Y-%m-%d}" if first else ""


@case_services.service
def reopen(case: Case, *, by, reason: str) -> TravelPlan:
    """Take a booked journey back to planning, to change it."""
    if not reason.strip():
        raise TravelError(_("Say why the booking must change."))
    return _plan_step(case, by, "reopen", "travel.reopened", reason)


def local_text(moment: datetime, code: str) -> str:
    """`moment` as the clocks at airport `code` show it, with the code: "2026-12-11 06:15 ARN"."""
    airport = airports.get(code)
    local = moment.astimezone(airport.zone) if airport else timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M} {code}"


def journey_end(plan: TravelPlan, departing: bool) -> tuple[FlightSegment | None, str]:
    """The flight a departure (`departing`) or an arrival is recorded at, and its airport:
    the first flight's departure airport, or the last flight's arrival airport (None and ""
    for a plan without flights)."""
    first, last = plan.first_and_last_flight()
    if departing:
        return first, first.from_airport if first else ""
    return last, last.to_airport if last else ""


def planned_departure(plan: TravelPlan) -> datetime | None:
    first, _last = plan.first_and_last_flight()
    return first.departs() if first else None


def planned_arrival(plan: TravelPlan) -> datetime | None:
    _first, last = plan.first_and_last_flight()
    return last.arrives() if last else None


def departure_problem(plan: TravelPlan, at: datetime) -> str | None:
    """Why `at` cannot be the moment the returnee left: in the future, or more than a day
    before the first flight was to leave."""
    if at > timezone.now():
        return _("The departure cannot be in the future.")
    first, _last = plan.first_and_last_flight()
    if first is not None and at < first.departs() - timedelta(days=1):
        return _(
            "The departure cannot be more than a day before the first flight was to leave "
            "(%(planned)s)."
        ) % {"planned": local_text(first.departs(), first.from_airport)}
    return None


def arrival_problem(plan: TravelPlan, at: datetime) -> str | None:
    """Why `at` cannot be the moment the returnee arrived: in the future, or before the
    departure (which itself lies at most a day before the first flight)."""
    if at > timezone.now():
        return _("The arrival cannot be in the future.")
    if plan.departed_at is not None and at < plan.departed_at:
        _flight, where = journey_end(plan, departing=True)
        return _("The arrival cannot be before the departure (%(departed)s).") % {
            "departed": local_text(plan.departed_at, where)
        }
    return None


def _moment_step(
    case: Case, by, name: str, action: str, at: datetime | None, fits=journey_open
) -> TravelPlan:
    """Lock the case and its live plan and record its departure or arrival (`name`) at `at`,
    by default the planned moment of the first flight's departure or the last one's
    arrival. The timeline says when, in local time at the airport."""
    locked = _locked_case(case, by, allowed=None, fits=fits)
    plan = _locked_plan(locked)
    departing = name == "depart"
    planned = planned_departure(plan) if departing else planned_arrival(plan)
    moment = at or planned or timezone.now()
    problem_of = departure_problem if departing else arrival_problem

    def check(plan: TravelPlan) -> None:
        problem = problem_of(plan, moment)
        if problem:
            raise TravelError(problem)

    flight, airport = journey_end(plan, departing)
    note = f"{flight.flight_number} {local_text(moment, airport)}" if flight else ""
    case_services.run_transition(
        plan,
        name,
        by=by,
        case=locked,
        action=action,
        note=note,
        audit_note=True,
        before=check,
        error=TravelError,
        at=moment,
    )
    return plan


@case_services.service
def record_departure(case: Case, *, by, at: datetime | None = None) -> TravelPlan:
    """The returnee has left, at `at` (by default when the first flight was to leave): the
    plan is departed and the case in transit (unless it already is, on a new journey after an
    incident in transit). Refused for a moment in the future or more than a day before the
    first flight."""
    plan = _moment_step(case, by, "depart", "travel.departed", at)
    if can_proceed(plan.case.depart):
        case_services.advance(plan.case, by=by, name="depart", action="case.departed")
    return plan


@case_services.service
def record_arrival(case: Case, *, by, at: datetime | None = None) -> TravelPlan:
    """The returnee has been met at the destination, at `at` (by default when the last
    flight was to land): reintegration starts. Refused for a moment in the future or before
    the departure."""
    plan = _moment_step(
        case, by, "arrive", "travel.arrived", at, fits=lambda case: can_proceed(case.arrive)
    )
    case_services.advance(plan.case, by=by, name="arrive", action="case.arrived")
    # Reintegration starts on the day of arrival where the returnee arrived: the plan and the
    # returnee's budget open, and the monthly follow-up is scheduled.
    arrived_on = followup.country_today(plan.case, plan.arrived_at)
    support.open_budget(plan.case, by=by, arrived_on=arrived_on)
    followup.schedule(plan.case, arrived_on=arrived_on)
    return plan


@case_services.service
def cancel(case: Case, *, by, reason: str) -> TravelPlan:
    """Cancel a journey not yet made. The plan is kept; a new one can be started."""
    if not reason.strip():
        raise TravelError(_("Give the reason for cancelling the journey."))
    return _plan_step(case, by, "cancel", "travel.cancelled", reason, reason=reason)


@case_services.service
def report_incident(case: Case, *, by, description: str) -> TravelPlan:
    """A journey failed: the returnee did not travel, or left in transit. The plan ends with
    what happened; the case stays where it is until a new plan is made or it is closed."""
    if not description.strip():
        raise TravelError(_("Describe what happened."))
    return _plan_step(
        case, by, "report_incident", "travel.incident", description, description=description
    )


def cancel_on_withdrawal(sender, *, case: Case, by, **kwargs) -> None:
    """The returnee withdrew before departure: a journey still being planned or booked is
    cancelled with the case (inside the withdrawal's transaction, by whoever recorded it)."""
    plan = TravelPlan.objects.select_for_update().filter(case=case, state__in=LIVE_STATES).first()
    if plan is None or not can_proceed(plan.cancel):
        return
    plan.case = case
    reason = _("The returnee withdrew.")
    case_services.run_transition(
        plan,
        "cancel",
        by=by,
        case=case,
        action="travel.cancelled",
        note=reason,
        error=TravelError,
        reason=reason,
    )
