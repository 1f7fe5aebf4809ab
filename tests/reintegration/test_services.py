"""The journey's services: planning, booking conditions, departure and arrival moving the
case, cancellation and incidents, withdrawal, and refusals that change nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from ampcase.audit.models import AuditEvent
from referrals import services as case_services
from referrals.models import Case, CaseEvent, CaseState, ConsentPurpose, Person
from reintegration.models import FlightSegment, TravelDocument, TravelPlan, TravelState
from reintegration.services import travel as services
from tests.factories import (
    add_consent,
    make_case,
    make_ready_to_submit,
    make_travel_plan,
    yesterday,
)

pytestmark = pytest.mark.django_db

T = TravelState
LAGOS = ZoneInfo("Africa/Lagos")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(autouse=True)
def _english():
    # The messages are compared word for word; the tests must not depend on the Swedish
    # catalogue.
    with translation.override("en"):
        yield


@pytest.fixture
def approved():
    return make_ready_to_submit(make_case(CaseState.APPROVED))


@pytest.fixture
def in_transit():
    """A case whose returnee has left: the plan departed, consent to share with IOM Finland."""
    case = make_case(CaseState.IN_TRANSIT)
    add_consent(case)
    make_travel_plan(case, state="departed")
    return case


@pytest.fixture
def left_in_transit(approved, iom_caseworker):
    """An approved case walked through a departure and an incident on the way."""
    make_travel_plan(approved, state="booked", day=yesterday())
    services.record_departure(approved, by=iom_caseworker)
    services.report_incident(approved, by=iom_caseworker, description="Did not board in Amsterdam")
    return approved


def _flight(**overrides):
    day = timezone.localdate() + dt.timedelta(days=10)
    fields = {
        "flight_number": "SK1427",
        "from_airport": "ARN",
        "to_airport": "LOS",
        "departs_on": day,
        "departs_at": dt.time(9, 30),
        "arrives_on": day,
        "arrives_at": dt.time(18, 5),
        "assistance_on_arrival": False,
    }
    return {**fields, **overrides}


def snapshot(case: Case) -> dict:
    """Everything a travel service may change on `case`, as stored."""
    return {
        "case": Case.objects.values_list("state", flat=True).get(pk=case.pk),
        "plans": list(TravelPlan.objects.filter(case=case).order_by("pk").values()),
        "flights": list(FlightSegment.objects.filter(plan__case=case).order_by("pk").values()),
        "documents": list(TravelDocument.objects.filter(plan__case=case).order_by("pk").values()),
        "timeline": list(CaseEvent.objects.filter(case=case).values_list("pk", flat=True)),
    }


def refused_audited(case: Case, who) -> bool:
    return AuditEvent.objects.filter(
        action="access.denied", actor=who, object_type="referrals.case", object_id=str(case.pk)
    ).exists()


def plan_of(case: Case) -> TravelPlan:
    return TravelPlan.objects.filter(case=case).first()


def booking_refused(case: Case, by) -> list[str]:
    """Try to book; return the problems listed, and check that nothing changed."""
    before = snapshot(case)
    with pytest.raises(services.TravelError) as refused:
        services.book(case, by=by)
    assert snapshot(case) == before
    return refused.value.problems


# The whole journey.


def test_caseworker_plans_books_and_sees_the_case_depart_and_arrive(
    approved, iom_caseworker, nigeria_office
):
    add_consent(approved, ConsentPurpose.IOM_DESTINATION)
    services.start_plan(approved, by=iom_caseworker, reception="IOM Lagos")
    services.save_flight(approved, by=iom_caseworker, **_flight())
    returnee = approved.people.get(relation=Person.Relation.RETURNEE)
    services.save_travel_document(
        approved,
        by=iom_caseworker,
        person=returnee,
        kind="emergency",
        number="ETD123",
        valid_until=timezone.localdate() + dt.timedelta(days=60),
    )
    plan = services.book(approved, by=iom_caseworker)
    assert plan.state == T.BOOKED

    # The evening of the flight, in Lagos: the departure and the arrival as planned.
    day = timezone.localdate() + dt.timedelta(days=10)
    with time_machine.travel(dt.datetime.combine(day, dt.time(20, 0), tzinfo=LAGOS)):
        services.record_departure(approved, by=iom_caseworker)
        approved.refresh_from_db()
        assert approved.state == CaseState.IN_TRANSIT

        services.record_arrival(approved, by=nigeria_office)
    approved.refresh_from_db()
    plan.refresh_from_db()
    assert (approved.state, plan.state) == (CaseState.REINTEGRATION, T.ARRIVED)
    actions = list(CaseEvent.objects.filter(case=approved).values_list("action", flat=True))
    assert actions[-4:] == ["travel.departed", "case.departed", "travel.arrived", "case.arrived"]


# Starting a plan.


def test_starting_a_plan_keeps_the_details_given(approved, iom_caseworker):
    plan = services.start_plan(
        approved, by=iom_caseworker, escort_needed=True, reception="IOM Lagos"
    )
    plan.refresh_from_db()
    assert (plan.state, plan.escort_needed, plan.reception) == (T.PLANNING, True, "IOM Lagos")
    assert plan.created_by == iom_caseworker


def test_starting_a_plan_is_written_to_the_timeline_and_the_audit_trail(approved, iom_caseworker):
    services.start_plan(approved, by=iom_caseworker)
    assert CaseEvent.objects.filter(
        case=approved, action="travel.planned", actor=iom_caseworker
    ).exists()
    assert AuditEvent.objects.filter(
        action="travel.planned", actor=iom_caseworker, object_id=str(approved.pk)
    ).exists()


def test_a_plan_cannot_be_started_for_a_case_not_yet_approved(iom_caseworker):
    submitted = make_case(CaseState.SUBMITTED)
    add_consent(submitted)
    with pytest.raises(services.TravelError, match="Submitted to IOM Finland"):
        services.start_plan(submitted, by=iom_caseworker)
    assert not TravelPlan.objects.filter(case=submitted).exists()
    assert not CaseEvent.objects.filter(case=submitted).exists()


def test_a_case_has_only_one_live_plan(approved, iom_caseworker):
    services.start_plan(approved, by=iom_caseworker)
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="already has a travel plan"):
        services.start_plan(approved, by=iom_caseworker)
    assert snapshot(approved) == before


def test_a_new_plan_can_be_started_after_a_cancellation(approved, iom_caseworker):
    first = services.start_plan(approved, by=iom_caseworker)
    services.cancel(approved, by=iom_caseworker, reason="Returnee ill")
    second = services.start_plan(approved, by=iom_caseworker)
    first.refresh_from_db()
    assert (first.state, second.state) == (T.CANCELLED, T.PLANNING)
    assert services.live_plan(approved) == second


def test_a_new_plan_can_be_started_after_an_incident(approved, iom_caseworker):
    first = make_travel_plan(approved, state="booked")
    services.report_incident(approved, by=iom_caseworker, description="Did not come")
    second = services.start_plan(approved, by=iom_caseworker)
    first.refresh_from_db()
    assert (first.state, second.state) == (T.INCIDENT, T.PLANNING)
    assert services.live_plan(approved) == second


# Who may plan.


def test_a_referrer_cannot_start_a_plan(approved, referrer):
    with pytest.raises(PermissionDenied):
        services.start_plan(approved, by=referrer)
    assert not TravelPlan.objects.filter(case=approved).exists()
    assert refused_audited(approved, referrer)


def test_the_iom_approver_cannot_plan_travel(approved, iom_approver):
    with pytest.raises(case_services.Denied):
        services.start_plan(approved, by=iom_approver)
    assert not TravelPlan.objects.filter(case=approved).exists()
    assert refused_audited(approved, iom_approver)


def test_a_region_coordinator_cannot_plan_travel(approved, stockholm_coordinator):
    with pytest.raises(case_services.Denied):
        services.start_plan(approved, by=stockholm_coordinator)
    assert not TravelPlan.objects.filter(case=approved).exists()
    assert refused_audited(approved, stockholm_coordinator)


def test_the_destination_office_cannot_plan_travel(approved, nigeria_office):
    add_consent(approved, ConsentPurpose.IOM_DESTINATION)
    with pytest.raises(case_services.Denied):
        services.start_plan(approved, by=nigeria_office)
    assert not TravelPlan.objects.filter(case=approved).exists()


def test_caseworker_cannot_plan_once_consent_to_share_with_iom_is_withdrawn(
    approved, iom_caseworker
):
    make_travel_plan(approved)
    add_consent(approved, ConsentPurpose.IOM_FINLAND, given=False)
    before = snapshot(approved)
    with pytest.raises(case_services.Denied):
        services.change_plan(approved, by=iom_caseworker, notes="Fönsterplats")
    assert snapshot(approved) == before
    assert refused_audited(approved, iom_caseworker)


def test_caseworker_cannot_book_once_consent_to_share_with_iom_is_withdrawn(
    approved, iom_caseworker
):
    make_travel_plan(approved)
    add_consent(approved, ConsentPurpose.IOM_FINLAND, given=False)
    before = snapshot(approved)
    with pytest.raises(case_services.Denied):
        services.book(approved, by=iom_caseworker)
    assert snapshot(approved) == before


def test_a_withdrawn_case_gets_no_new_plan(approved, iom_caseworker, stockholm_coordinator):
    case_services.withdraw_case(
        approved, by=stockholm_coordinator, on=timezone.localdate(), reason="Vill stanna"
    )
    with pytest.raises(services.TravelError, match="Withdrawn"):
        services.start_plan(approved, by=iom_caseworker)
    assert not TravelPlan.objects.filter(case=approved).exists()


# Preparing the plan.


def test_plan_details_change_while_planning(approved, iom_caseworker):
    make_travel_plan(approved)
    services.change_plan(
        approved, by=iom_caseworker, escort_needed=True, escort="Maria Eskort, IOM Finland"
    )
    plan = plan_of(approved)
    assert (plan.escort_needed, plan.escort) == (True, "Maria Eskort, IOM Finland")
    assert CaseEvent.objects.filter(case=approved, action="travel.changed").exists()


def test_changing_details_without_a_plan_is_refused(approved, iom_caseworker):
    with pytest.raises(services.TravelError, match="Start one first"):
        services.change_plan(approved, by=iom_caseworker, notes="Fönsterplats")
    assert not TravelPlan.objects.filter(case=approved).exists()


def test_a_flight_is_added_to_the_plan_being_prepared(approved, iom_caseworker):
    plan = services.start_plan(approved, by=iom_caseworker)
    flight = services.save_flight(approved, by=iom_caseworker, **_flight())
    assert flight.plan == plan
    assert CaseEvent.objects.get(case=approved, action="travel.flight_added").note == "SK1427"


def test_a_flight_is_changed_while_planning(approved, iom_caseworker):
    plan = make_travel_plan(approved)
    flight = plan.flights.get()
    services.save_flight(
        approved, by=iom_caseworker, flight=flight, **_flight(flight_number="SK1429")
    )
    flight.refresh_from_db()
    assert (flight.flight_number, flight.from_airport, flight.to_airport) == (
        "SK1429",
        "ARN",
        "LOS",
    )
    assert plan.flights.count() == 1


def test_a_flight_is_removed_while_planning(approved, iom_caseworker):
    plan = make_travel_plan(approved)
    services.delete_flight(approved, by=iom_caseworker, flight=plan.flights.get())
    assert not plan.flights.exists()
    assert CaseEvent.objects.get(case=approved, action="travel.flight_removed").note == "KL1100"


def test_a_flight_arriving_days_after_it_leaves_is_refused(approved, iom_caseworker):
    services.start_plan(approved, by=iom_caseworker)
    day = timezone.localdate() + dt.timedelta(days=10)
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="more than 24 hours"):
        services.save_flight(
            approved, by=iom_caseworker, **_flight(arrives_on=day + dt.timedelta(days=3))
        )
    assert snapshot(approved) == before


def test_a_flight_of_an_ended_plan_cannot_be_changed(approved, iom_caseworker):
    old = make_travel_plan(approved)
    services.cancel(approved, by=iom_caseworker, reason="Returnee ill")
    services.start_plan(approved, by=iom_caseworker)
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="not part of the plan"):
        services.save_flight(
            approved, by=iom_caseworker, flight=old.flights.get(), **_flight(to_airport="ACC")
        )
    with pytest.raises(services.TravelError, match="not part of the plan"):
        services.delete_flight(approved, by=iom_caseworker, flight=old.flights.get())
    assert snapshot(approved) == before


def test_a_travel_document_is_replaced_not_added_twice(approved, iom_caseworker):
    plan = make_travel_plan(approved)
    returnee = approved.people.get()
    services.save_travel_document(
        approved,
        by=iom_caseworker,
        person=returnee,
        kind="passport",
        number="P1234567",
        valid_until=timezone.localdate() + dt.timedelta(days=400),
    )
    document = plan.documents.get()
    assert (document.kind, document.number) == ("passport", "P1234567")


def test_a_travel_document_for_a_person_of_another_case_is_refused(approved, iom_caseworker):
    make_travel_plan(approved)
    stranger = make_case(CaseState.APPROVED, given_name="Bodil").people.get()
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="does not travel in this case"):
        services.save_travel_document(
            approved,
            by=iom_caseworker,
            person=stranger,
            kind="passport",
            number="P7654321",
            valid_until=timezone.localdate() + dt.timedelta(days=400),
        )
    assert snapshot(approved) == before
    assert not TravelDocument.objects.filter(person=stranger).exists()


CHANGES = {
    "plan details": lambda case, by, plan: services.change_plan(case, by=by, notes="Ändrat"),
    "new flight": lambda case, by, plan: services.save_flight(
        case, by=by, **_flight(from_airport="LOS", to_airport="ABV")
    ),
    "changed flight": lambda case, by, plan: services.save_flight(
        case, by=by, flight=plan.flights.get(), **_flight(flight_number="SK1")
    ),
    "removed flight": lambda case, by, plan: services.delete_flight(
        case, by=by, flight=plan.flights.get()
    ),
    "travel document": lambda case, by, plan: services.save_travel_document(
        case,
        by=by,
        person=case.people.get(),
        kind="passport",
        number="P1234567",
        valid_until=timezone.localdate() + dt.timedelta(days=400),
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_booked_journey_cannot_be_changed(approved, iom_caseworker, change):
    plan = make_travel_plan(approved, state="booked")
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="Reopen the booking first"):
        CHANGES[change](approved, iom_caseworker, plan)
    assert snapshot(approved) == before


# Booking: every condition, one at a time.


def test_booking_lists_everything_missing_and_changes_nothing(approved, iom_caseworker):
    services.start_plan(approved, by=iom_caseworker, escort_needed=True)
    assert booking_refused(approved, iom_caseworker) == [
        "Add the flights.",
        "The travel document of Åsa is missing.",
        "Name the escort who travels with the returnee.",
        "Say who meets the returnee at the arrival airport.",
    ]


def test_a_complete_plan_is_booked(approved, iom_caseworker):
    make_travel_plan(approved)
    plan = services.book(approved, by=iom_caseworker)
    plan.refresh_from_db()
    assert (plan.state, plan.booked_by) == (T.BOOKED, iom_caseworker)
    assert plan.booked_at is not None


def test_booking_names_the_first_flight_in_the_timeline(approved, iom_caseworker):
    make_travel_plan(approved, flights=2)
    services.book(approved, by=iom_caseworker)
    first_day = timezone.localdate() + dt.timedelta(days=7)
    event = CaseEvent.objects.get(case=approved, action="travel.booked")
    assert event.note == f"KL1100 {first_day:%Y-%m-%d}"
    assert AuditEvent.objects.filter(action="travel.booked", actor=iom_caseworker).exists()


def test_a_journey_of_connecting_flights_is_booked(approved, iom_caseworker):
    make_travel_plan(approved, flights=3)
    assert services.booking_problems(plan_of(approved)) == []
    assert services.book(approved, by=iom_caseworker).state == T.BOOKED


def test_booking_is_refused_when_a_flight_leaves_from_where_the_one_before_did_not_land(
    approved, iom_caseworker
):
    plan = make_travel_plan(approved, flights=2)  # ARN-AMS, AMS-CDG
    plan.flights.filter(flight_number="KL1101").update(from_airport="BRU")
    assert booking_refused(approved, iom_caseworker) == [
        "Flight KL1101 leaves from BRU, but the flight before lands at AMS."
    ]


@pytest.mark.parametrize("leaves_at", [dt.time(11, 0), dt.time(12, 0)], ids=["before", "at"])
def test_booking_is_refused_when_a_flight_leaves_before_the_one_before_lands(
    approved, iom_caseworker, leaves_at
):
    plan = make_travel_plan(approved, flights=2)  # the first lands at 12:00
    first_day = timezone.localdate() + dt.timedelta(days=7)
    plan.flights.filter(flight_number="KL1101").update(departs_on=first_day, departs_at=leaves_at)
    assert booking_refused(approved, iom_caseworker) == [
        "Flight KL1101 leaves before the flight before it lands."
    ]


def test_booking_is_refused_when_the_first_flight_has_left(approved, iom_caseworker):
    make_travel_plan(approved)  # the flight leaves a week from today
    with time_machine.travel(timezone.now() + dt.timedelta(days=8), tick=False):
        assert booking_refused(approved, iom_caseworker) == ["The first flight leaves in the past."]


def test_a_flight_leaving_today_can_still_be_booked(approved, iom_caseworker):
    make_travel_plan(approved)
    with time_machine.travel(timezone.now() + dt.timedelta(days=7), tick=False):
        assert services.book(approved, by=iom_caseworker).state == T.BOOKED


def test_booking_is_refused_when_a_travel_document_expires_during_the_journey(
    approved, iom_caseworker
):
    plan = make_travel_plan(approved, flights=2)  # the last flight lands in eight days
    plan.documents.update(valid_until=timezone.localdate() + dt.timedelta(days=7))
    assert booking_refused(approved, iom_caseworker) == [
        "The travel document of Åsa expires before the journey ends."
    ]


def test_a_travel_document_valid_on_the_day_of_arrival_is_enough(approved, iom_caseworker):
    plan = make_travel_plan(approved, flights=2)
    plan.documents.update(valid_until=timezone.localdate() + dt.timedelta(days=8))
    assert services.book(approved, by=iom_caseworker).state == T.BOOKED


def test_booking_is_refused_when_a_child_has_no_travel_document(approved, iom_caseworker):
    make_travel_plan(approved)
    Person.objects.create(
        case=approved,
        relation=Person.Relation.CHILD,
        given_name="Ebba",
        family_name="Öberg",
        date_of_birth=dt.date(2020, 2, 2),
    )
    assert booking_refused(approved, iom_caseworker) == ["The travel document of Ebba is missing."]


@pytest.mark.parametrize("escort", ["", "   "], ids=["empty", "blank"])
def test_booking_is_refused_when_the_escort_is_not_named(approved, iom_caseworker, escort):
    plan = make_travel_plan(approved)
    TravelPlan.objects.filter(pk=plan.pk).update(escort_needed=True, escort=escort)
    assert booking_refused(approved, iom_caseworker) == [
        "Name the escort who travels with the returnee."
    ]


def test_booking_is_refused_when_nobody_meets_the_returnee(approved, iom_caseworker):
    plan = make_travel_plan(approved)
    TravelPlan.objects.filter(pk=plan.pk).update(reception="  ")
    assert booking_refused(approved, iom_caseworker) == [
        "Say who meets the returnee at the arrival airport."
    ]


def test_a_booked_journey_cannot_be_booked_again(approved, iom_caseworker):
    make_travel_plan(approved, state="booked")
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="“Booked”"):
        services.book(approved, by=iom_caseworker)
    assert snapshot(approved) == before


# Reopening a booking.


def test_reopening_needs_a_reason(approved, iom_caseworker):
    make_travel_plan(approved, state="booked")
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="Say why"):
        services.reopen(approved, by=iom_caseworker, reason="  ")
    assert snapshot(approved) == before


def test_reopening_takes_a_booked_journey_back_to_planning(approved, iom_caseworker):
    make_travel_plan(approved, state="booked")
    plan = services.reopen(approved, by=iom_caseworker, reason="Flight moved")
    plan.refresh_from_db()
    assert (plan.state, plan.booked_by, plan.booked_at) == (T.PLANNING, None, None)
    assert CaseEvent.objects.get(case=approved, action="travel.reopened").note == "Flight moved"


def test_a_reopened_journey_can_be_changed_again(approved, iom_caseworker):
    make_travel_plan(approved, state="booked")
    services.reopen(approved, by=iom_caseworker, reason="Flight moved")
    services.change_plan(approved, by=iom_caseworker, notes="Ny tid")
    assert plan_of(approved).notes == "Ny tid"


def test_a_plan_being_prepared_cannot_be_reopened(approved, iom_caseworker):
    make_travel_plan(approved)
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="“Planning”"):
        services.reopen(approved, by=iom_caseworker, reason="Flight moved")
    assert snapshot(approved) == before


# Departure.


def test_departure_moves_the_case_into_transit(approved, iom_caseworker):
    make_travel_plan(approved, state="booked", day=yesterday())
    plan = services.record_departure(approved, by=iom_caseworker)
    approved.refresh_from_db()
    plan.refresh_from_db()
    assert (approved.state, plan.state) == (CaseState.IN_TRANSIT, T.DEPARTED)
    assert plan.departed_at is not None


def test_departure_is_written_to_the_timeline(approved, iom_caseworker):
    make_travel_plan(approved, state="booked", day=yesterday())
    services.record_departure(approved, by=iom_caseworker)
    moved = CaseEvent.objects.get(case=approved, action="case.departed")
    assert (moved.from_state, moved.to_state, moved.actor) == (
        CaseState.APPROVED,
        CaseState.IN_TRANSIT,
        iom_caseworker,
    )
    assert CaseEvent.objects.filter(
        case=approved, action="travel.departed", actor=iom_caseworker
    ).exists()


def test_departure_is_written_to_the_audit_trail(approved, iom_caseworker):
    make_travel_plan(approved, state="booked", day=yesterday())
    services.record_departure(approved, by=iom_caseworker)
    actions = set(
        AuditEvent.objects.filter(
            actor=iom_caseworker, object_type="referrals.case", object_id=str(approved.pk)
        ).values_list("action", flat=True)
    )
    assert {"travel.departed", "case.departed"} <= actions


def test_a_journey_not_booked_cannot_depart(approved, iom_caseworker):
    make_travel_plan(approved)
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="“Planning”"):
        services.record_departure(approved, by=iom_caseworker)
    assert snapshot(approved) == before


def test_departure_without_a_plan_is_refused(approved, iom_caseworker):
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="Start one first"):
        services.record_departure(approved, by=iom_caseworker)
    assert snapshot(approved) == before


def test_the_destination_office_cannot_record_the_departure(approved, nigeria_office):
    add_consent(approved, ConsentPurpose.IOM_DESTINATION)
    make_travel_plan(approved, state="booked", day=yesterday())
    before = snapshot(approved)
    with pytest.raises(case_services.Denied):
        services.record_departure(approved, by=nigeria_office)
    assert snapshot(approved) == before


# Arrival.


def test_the_destination_office_records_the_arrival_with_consent_to_share_with_it(
    in_transit, nigeria_office
):
    add_consent(in_transit, ConsentPurpose.IOM_DESTINATION)
    plan = services.record_arrival(in_transit, by=nigeria_office)
    in_transit.refresh_from_db()
    plan.refresh_from_db()
    assert (in_transit.state, plan.state) == (CaseState.REINTEGRATION, T.ARRIVED)
    assert plan.arrived_at is not None
    assert CaseEvent.objects.filter(
        case=in_transit, action="case.arrived", actor=nigeria_office
    ).exists()


def test_the_destination_office_without_consent_cannot_record_the_arrival(
    in_transit, nigeria_office
):
    before = snapshot(in_transit)
    with pytest.raises(case_services.Denied):
        services.record_arrival(in_transit, by=nigeria_office)
    assert snapshot(in_transit) == before
    assert refused_audited(in_transit, nigeria_office)


def test_the_destination_office_cannot_record_the_arrival_once_consent_is_withdrawn(
    in_transit, nigeria_office
):
    add_consent(in_transit, ConsentPurpose.IOM_DESTINATION)
    add_consent(in_transit, ConsentPurpose.IOM_DESTINATION, given=False)
    before = snapshot(in_transit)
    with pytest.raises(case_services.Denied):
        services.record_arrival(in_transit, by=nigeria_office)
    assert snapshot(in_transit) == before


def test_the_iom_caseworker_records_the_arrival_too(in_transit, iom_caseworker):
    services.record_arrival(in_transit, by=iom_caseworker)
    in_transit.refresh_from_db()
    assert in_transit.state == CaseState.REINTEGRATION
    moved = CaseEvent.objects.get(case=in_transit, action="case.arrived")
    assert (moved.from_state, moved.to_state) == (CaseState.IN_TRANSIT, CaseState.REINTEGRATION)


def test_a_region_coordinator_cannot_record_the_arrival(in_transit, stockholm_coordinator):
    before = snapshot(in_transit)
    with pytest.raises(case_services.Denied):
        services.record_arrival(in_transit, by=stockholm_coordinator)
    assert snapshot(in_transit) == before


def test_arrival_cannot_be_recorded_before_departure(approved, iom_caseworker):
    make_travel_plan(approved, state="booked")
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="Approved"):
        services.record_arrival(approved, by=iom_caseworker)
    assert snapshot(approved) == before


# Cancellation and incidents.


def test_cancelling_needs_a_reason(approved, iom_caseworker):
    make_travel_plan(approved)
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="reason for cancelling the journey"):
        services.cancel(approved, by=iom_caseworker, reason=" ")
    assert snapshot(approved) == before


def test_reporting_an_incident_needs_a_description(approved, iom_caseworker):
    make_travel_plan(approved, state="booked")
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="Describe what happened"):
        services.report_incident(approved, by=iom_caseworker, description="")
    assert snapshot(approved) == before


@pytest.mark.parametrize("state", ["planning", "booked"])
def test_a_journey_not_yet_made_is_cancelled_with_its_reason(approved, iom_caseworker, state):
    make_travel_plan(approved, state=state)
    plan = services.cancel(approved, by=iom_caseworker, reason="Returnee ill")
    plan.refresh_from_db()
    assert (plan.state, plan.end_reason) == (T.CANCELLED, "Returnee ill")
    assert services.live_plan(approved) is None
    assert CaseEvent.objects.get(case=approved, action="travel.cancelled").note == "Returnee ill"


def test_a_departed_journey_cannot_be_cancelled(in_transit, iom_caseworker):
    before = snapshot(in_transit)
    with pytest.raises(services.TravelError, match="“Departed”"):
        services.cancel(in_transit, by=iom_caseworker, reason="Returnee ill")
    assert snapshot(in_transit) == before


def test_a_plan_being_prepared_cannot_have_an_incident(approved, iom_caseworker):
    make_travel_plan(approved)
    before = snapshot(approved)
    with pytest.raises(services.TravelError, match="“Planning”"):
        services.report_incident(approved, by=iom_caseworker, description="Did not come")
    assert snapshot(approved) == before


def test_an_incident_before_departure_leaves_the_case_approved(approved, iom_caseworker):
    make_travel_plan(approved, state="booked")
    plan = services.report_incident(
        approved, by=iom_caseworker, description="Did not come to the airport"
    )
    approved.refresh_from_db()
    assert (approved.state, plan.state) == (CaseState.APPROVED, T.INCIDENT)
    assert plan.end_reason == "Did not come to the airport"


def test_an_incident_after_departure_leaves_the_case_in_transit(left_in_transit):
    left_in_transit.refresh_from_db()
    assert left_in_transit.state == CaseState.IN_TRANSIT
    assert plan_of(left_in_transit).state == T.INCIDENT
    assert services.live_plan(left_in_transit) is None
    event = CaseEvent.objects.get(case=left_in_transit, action="travel.incident")
    assert event.note == "Did not board in Amsterdam"


def test_a_new_plan_can_be_started_for_a_returnee_left_in_transit(left_in_transit, iom_caseworker):
    services.start_plan(left_in_transit, by=iom_caseworker)
    plans = TravelPlan.objects.filter(case=left_in_transit).order_by("pk")
    assert list(plans.values_list("state", flat=True)) == [T.INCIDENT, T.PLANNING]


def test_departing_again_keeps_the_case_in_transit(left_in_transit, iom_caseworker):
    make_travel_plan(left_in_transit, state="booked", day=yesterday())
    services.record_departure(left_in_transit, by=iom_caseworker)
    left_in_transit.refresh_from_db()
    assert left_in_transit.state == CaseState.IN_TRANSIT
    assert CaseEvent.objects.filter(case=left_in_transit, action="travel.departed").count() == 2
    assert CaseEvent.objects.filter(case=left_in_transit, action="case.departed").count() == 1


def test_arrival_after_a_second_departure_moves_the_case_to_reintegration(
    left_in_transit, iom_caseworker
):
    make_travel_plan(left_in_transit, state="booked", day=yesterday())
    services.record_departure(left_in_transit, by=iom_caseworker)
    plan = services.record_arrival(left_in_transit, by=iom_caseworker)
    left_in_transit.refresh_from_db()
    assert (left_in_transit.state, plan.state) == (CaseState.REINTEGRATION, T.ARRIVED)


# Withdrawal.


@pytest.mark.parametrize("state", ["planning", "booked"])
def test_withdrawal_cancels_a_journey_not_yet_made(approved, stockholm_coordinator, state):
    plan = make_travel_plan(approved, state=state)
    case_services.withdraw_case(
        approved, by=stockholm_coordinator, on=timezone.localdate(), reason="Vill stanna"
    )
    plan.refresh_from_db()
    assert (plan.state, plan.end_reason) == (T.CANCELLED, "The returnee withdrew.")
    assert services.live_plan(approved) is None


def test_withdrawal_writes_the_cancellation_to_the_timeline(approved, stockholm_coordinator):
    make_travel_plan(approved, state="booked")
    case_services.withdraw_case(
        approved, by=stockholm_coordinator, on=timezone.localdate(), reason="Vill stanna"
    )
    event = CaseEvent.objects.get(case=approved, action="travel.cancelled")
    assert (event.actor, event.note) == (stockholm_coordinator, "The returnee withdrew.")
    assert AuditEvent.objects.filter(
        action="travel.cancelled", actor=stockholm_coordinator, object_id=str(approved.pk)
    ).exists()


def test_withdrawal_leaves_an_ended_plan_as_it_was(approved, iom_caseworker, stockholm_coordinator):
    make_travel_plan(approved, state="booked")
    services.report_incident(approved, by=iom_caseworker, description="Did not come")
    case_services.withdraw_case(
        approved, by=stockholm_coordinator, on=timezone.localdate(), reason="Vill stanna"
    )
    plan = plan_of(approved)
    assert (plan.state, plan.end_reason) == (T.INCIDENT, "Did not come")
    assert not CaseEvent.objects.filter(case=approved, action="travel.cancelled").exists()


def test_a_refused_withdrawal_leaves_the_journey_as_it_was(approved, syd_coordinator):
    make_travel_plan(approved, state="booked")
    before = snapshot(approved)
    with pytest.raises(PermissionDenied):
        case_services.withdraw_case(
            approved, by=syd_coordinator, on=timezone.localdate(), reason="Vill stanna"
        )
    assert snapshot(approved) == before
