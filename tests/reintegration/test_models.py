"""The travel plan's state graph, walked transition by transition, and the invariants the
database keeps whatever the code does: one live plan per case, known states, the fields each
state implies, airport codes, one travel document per traveller and plan."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed

from ampcase.lib import fsm
from referrals.models import CaseState, Person
from reintegration.models import (
    ENDED_STATES,
    LIVE_STATES,
    FlightSegment,
    TravelDocument,
    TravelPlan,
    TravelState,
)
from tests.factories import make_case, make_travel_plan

pytestmark = pytest.mark.django_db

T = TravelState

# The whole graph: state -> {transition: target}. Everything not listed is refused.
GRAPH = {
    T.PLANNING: {"book": T.BOOKED, "cancel": T.CANCELLED},
    T.BOOKED: {
        "reopen": T.PLANNING,
        "depart": T.DEPARTED,
        "cancel": T.CANCELLED,
        "report_incident": T.INCIDENT,
    },
    T.DEPARTED: {"arrive": T.ARRIVED, "report_incident": T.INCIDENT},
    T.ARRIVED: {},
    T.CANCELLED: {},
    T.INCIDENT: {},
}
TRANSITIONS = ["book", "reopen", "depart", "arrive", "cancel", "report_incident"]
ALLOWED = [(state, name) for state, targets in GRAPH.items() for name in targets]
REFUSED = [(state, name) for state in GRAPH for name in TRANSITIONS if name not in GRAPH[state]]


@pytest.fixture
def case():
    return make_case(CaseState.APPROVED)


def plan_in(case, state: str) -> TravelPlan:
    """A saved plan of `case` in `state`, reached by walking the graph."""
    if state == T.CANCELLED:
        plan = make_travel_plan(case)
        plan.cancel(reason="Returnee ill")
    elif state == T.INCIDENT:
        plan = make_travel_plan(case, state="booked")
        plan.report_incident(description="Did not come to the airport")
    else:
        return make_travel_plan(case, state=state)
    plan.save()
    return plan


def call(plan: TravelPlan, name: str) -> None:
    arguments = {
        "book": {"booker": plan.created_by},
        "cancel": {"reason": "Flight cancelled"},
        "report_incident": {"description": "Left at the transit airport"},
        "depart": {"at": timezone.now()},
        "arrive": {"at": timezone.now()},
    }
    getattr(plan, name)(**arguments.get(name, {}))


def test_the_graph_names_every_state():
    assert set(GRAPH) == set(TravelState.values)


@pytest.mark.parametrize("state", list(GRAPH))
def test_each_state_offers_exactly_its_transitions(case, state):
    plan = plan_in(case, state)
    offered = {t.name: t.target for t in plan.get_available_state_transitions()}
    assert offered == GRAPH[state]


@pytest.mark.parametrize(("state", "name"), ALLOWED)
def test_allowed_transition_reaches_its_target_and_is_saved(case, state, name):
    plan = plan_in(case, state)
    assert can_proceed(getattr(plan, name))
    call(plan, name)
    plan.save()
    plan.refresh_from_db()
    assert plan.state == GRAPH[state][name]


@pytest.mark.parametrize(("state", "name"), REFUSED)
def test_transition_not_in_the_graph_is_refused_and_changes_nothing(case, state, name):
    plan = plan_in(case, state)
    assert not can_proceed(getattr(plan, name))
    with pytest.raises(TransitionNotAllowed):
        call(plan, name)
    assert plan.state == state
    plan.refresh_from_db()
    assert plan.state == state


def test_booking_records_who_and_when(case, iom_caseworker):
    plan = make_travel_plan(case)
    plan.book(booker=iom_caseworker)
    assert plan.booked_by == iom_caseworker
    assert plan.booked_at is not None


def test_reopening_forgets_the_booking(case):
    plan = make_travel_plan(case, state="booked")
    plan.reopen()
    plan.save()
    plan.refresh_from_db()
    assert (plan.state, plan.booked_by, plan.booked_at) == (T.PLANNING, None, None)


def test_cancelling_keeps_the_reason_and_the_time(case):
    plan = make_travel_plan(case)
    plan.cancel(reason="Returnee ill")
    assert plan.end_reason == "Returnee ill"
    assert plan.ended_at is not None


def test_an_incident_keeps_what_happened_and_the_time(case):
    plan = make_travel_plan(case, state="departed")
    plan.report_incident(description="Left at the transit airport")
    assert plan.end_reason == "Left at the transit airport"
    assert plan.ended_at is not None


@pytest.mark.parametrize(
    ("state", "live"),
    [
        (T.PLANNING, True),
        (T.BOOKED, True),
        (T.DEPARTED, True),
        (T.ARRIVED, True),
        (T.CANCELLED, False),
        (T.INCIDENT, False),
    ],
)
def test_only_cancelled_and_incident_plans_are_not_live(case, state, live):
    assert plan_in(case, state).is_live is live


def test_the_hand_written_state_lists_agree_with_the_graph():
    """LIVE_STATES and ENDED_STATES are written out (the table's constraints need them before
    the class exists): the ended states are what cancelling and an incident lead to, nothing
    leaves them, and every other state is live. start_plan relies on the two covering all."""
    ended = fsm.targets(TravelPlan.cancel) | fsm.targets(TravelPlan.report_incident)
    assert set(ENDED_STATES) == ended
    assert not any(GRAPH[state] for state in ENDED_STATES)
    assert set(LIVE_STATES) == set(TravelState.values) - ended


def test_state_cannot_be_set_by_hand(case):
    plan = make_travel_plan(case)
    with pytest.raises(AttributeError):
        plan.state = T.BOOKED


# Database constraints. Each expected IntegrityError runs in its own savepoint.


def _plan(case, **fields) -> TravelPlan:
    return TravelPlan.objects.create(case=case, created_by=case.referred_by, **fields)


def test_database_allows_one_live_plan_per_case(case):
    _plan(case)
    with pytest.raises(IntegrityError, match="one_live_travel_plan_per_case"), transaction.atomic():
        _plan(case)
    assert TravelPlan.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("live_state", [T.BOOKED, T.DEPARTED, T.ARRIVED])
def test_database_counts_every_live_state_against_a_new_plan(case, live_state):
    plan_in(case, live_state)
    with pytest.raises(IntegrityError, match="one_live_travel_plan_per_case"), transaction.atomic():
        _plan(case)


@pytest.mark.parametrize("ended_state", [T.CANCELLED, T.INCIDENT])
def test_database_allows_a_new_live_plan_beside_an_ended_one(case, ended_state):
    plan_in(case, ended_state)
    _plan(case)
    assert TravelPlan.objects.filter(case=case).count() == 2


def test_database_allows_live_plans_on_different_cases(case):
    _plan(case)
    _plan(make_case(CaseState.APPROVED))
    assert TravelPlan.objects.count() == 2


def test_database_refuses_an_unknown_state(case):
    plan = _plan(case, state=T.BOOKED, booked_at=timezone.now())
    with pytest.raises(IntegrityError, match="travel_state_is_known"), transaction.atomic():
        TravelPlan.objects.filter(pk=plan.pk).update(state="lost")
    plan.refresh_from_db()
    assert plan.state == T.BOOKED


def test_database_refuses_a_booked_plan_without_the_booking_time(case):
    with (
        pytest.raises(IntegrityError, match="travel_booked_has_booking_time"),
        transaction.atomic(),
    ):
        _plan(case, state=T.BOOKED)


def test_database_refuses_a_departed_plan_without_the_departure_time(case):
    with pytest.raises(IntegrityError, match="travel_departed_has_time"), transaction.atomic():
        _plan(case, state=T.DEPARTED, booked_at=timezone.now())


def test_database_refuses_an_arrived_plan_without_the_arrival_time(case):
    now = timezone.now()
    with pytest.raises(IntegrityError, match="travel_arrived_has_time"), transaction.atomic():
        _plan(case, state=T.ARRIVED, booked_at=now, departed_at=now)


@pytest.mark.parametrize(
    "ending",
    [
        {"ended_at": None, "end_reason": "Returnee ill"},
        {"ended_at": dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), "end_reason": ""},
    ],
    ids=["without-time", "without-reason"],
)
def test_database_refuses_a_cancelled_plan_without_time_and_reason(case, ending):
    with pytest.raises(IntegrityError, match="travel_ended_has_reason"), transaction.atomic():
        _plan(case, state=T.CANCELLED, **ending)


def test_database_refuses_an_incident_without_what_happened(case):
    with pytest.raises(IntegrityError, match="travel_ended_has_reason"), transaction.atomic():
        _plan(case, state=T.INCIDENT, booked_at=timezone.now(), ended_at=timezone.now())


def test_database_refuses_a_booked_plan_with_an_unnamed_escort(case):
    with pytest.raises(IntegrityError, match="travel_booked_escort_is_named"), transaction.atomic():
        _plan(case, state=T.BOOKED, booked_at=timezone.now(), escort_needed=True, escort="")


def test_database_allows_an_unnamed_escort_while_planning(case):
    plan = _plan(case, escort_needed=True, escort="")
    assert plan.state == T.PLANNING


def test_database_allows_a_booked_plan_with_a_named_escort(case):
    plan = _plan(
        case,
        state=T.BOOKED,
        booked_at=timezone.now(),
        escort_needed=True,
        escort="Maria Eskort, IOM Finland",
    )
    assert plan.state == T.BOOKED


def _flight(plan, **overrides) -> FlightSegment:
    day = dt.date(2026, 12, 1)
    fields = {
        "flight_number": "SK1427",
        "from_airport": "ARN",
        "to_airport": "LOS",
        "departs_on": day,
        "departs_at": dt.time(9, 30),
        "arrives_on": day,
        "arrives_at": dt.time(18, 5),
        **overrides,
    }
    return FlightSegment.objects.create(plan=plan, **fields)


def test_database_accepts_a_flight_between_two_airport_codes(case):
    flight = _flight(_plan(case))
    assert (flight.from_airport, flight.to_airport) == ("ARN", "LOS")


@pytest.mark.parametrize("field", ["from_airport", "to_airport"])
@pytest.mark.parametrize("code", ["arn", "AR", "A1N", "", "ÅRN"])
def test_database_refuses_an_airport_that_is_not_three_capital_letters(case, field, code):
    plan = _plan(case)
    with pytest.raises(IntegrityError, match="flight_airports_are_codes"), transaction.atomic():
        _flight(plan, **{field: code})


def test_database_refuses_a_flight_that_lands_where_it_left(case):
    plan = _plan(case)
    with pytest.raises(IntegrityError, match="flight_goes_somewhere"), transaction.atomic():
        _flight(plan, from_airport="ARN", to_airport="ARN")


def _document(plan, person, number="ETD123") -> TravelDocument:
    return TravelDocument.objects.create(
        plan=plan, person=person, kind="emergency", number=number, valid_until=dt.date(2027, 3, 1)
    )


def test_database_refuses_two_travel_documents_for_one_person_in_one_plan(case):
    plan = _plan(case)
    returnee = case.people.get()
    _document(plan, returnee)
    with pytest.raises(IntegrityError, match="one_travel_document_each"), transaction.atomic():
        _document(plan, returnee, number="P9876543")
    assert plan.documents.count() == 1


def test_database_allows_the_same_person_a_document_in_each_plan(case):
    returnee = case.people.get()
    cancelled = plan_in(case, T.CANCELLED)  # has its own document already
    _document(_plan(case), returnee)
    assert TravelDocument.objects.filter(person=returnee).count() == 2
    assert cancelled.documents.get().person == returnee


def test_database_allows_a_document_for_each_traveller(case):
    plan = _plan(case)
    child = Person.objects.create(
        case=case,
        relation=Person.Relation.CHILD,
        given_name="Ebba",
        family_name="Öberg",
        date_of_birth=dt.date(2020, 2, 2),
    )
    _document(plan, case.people.get(relation=Person.Relation.RETURNEE))
    _document(plan, child, number="ETD124")
    assert plan.documents.count() == 2


def test_database_refuses_an_unknown_kind_of_travel_document(case):
    plan = _plan(case)
    with pytest.raises(IntegrityError, match="travel_document_kind_known"), transaction.atomic():
        TravelDocument.objects.create(
            plan=plan,
            person=case.people.get(),
            kind="visa",
            number="V1",
            valid_until=dt.date(2027, 3, 1),
        )
