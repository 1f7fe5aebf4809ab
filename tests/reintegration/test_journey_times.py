"""Times of the journey (issue 11): flights measured as instants from each airport's local
time, departure and arrival recorded with their date and time, and a new plan started from
one that ended in an incident."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from referrals.models import CaseEvent, CaseState, ConsentPurpose
from reintegration import airports
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
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def approved():
    case = make_ready_to_submit(make_case(CaseState.APPROVED))
    add_consent(case, ConsentPurpose.IOM_DESTINATION)
    return case


@pytest.fixture
def planning(approved, iom_caseworker):
    services.start_plan(approved, by=iom_caseworker, reception="IOM Lagos")
    return approved


def flight(origin, destination, departs, arrives, number="SK1427"):
    """A flight's fields from two local datetimes, as on the ticket."""
    return {
        "flight_number": number,
        "from_airport": origin,
        "to_airport": destination,
        "departs_on": departs.date(),
        "departs_at": departs.time(),
        "arrives_on": arrives.date(),
        "arrives_at": arrives.time(),
        "assistance_on_arrival": False,
    }


def year_ahead(month, day, hour, minute=0):
    return dt.datetime(timezone.localdate().year + 1, month, day, hour, minute)


# Flights: instants from the airports' time zones.


def test_airports_are_known_by_their_code():
    arlanda = airports.get("arn")
    assert (arlanda.code, arlanda.city, arlanda.country) == ("ARN", "Stockholm", "SE")
    assert arlanda.zone == ZoneInfo("Europe/Stockholm")
    assert airports.get("LOS").zone == ZoneInfo("Africa/Lagos")
    assert airports.get("QQQ") is None


def test_a_flight_that_lands_before_it_leaves_is_refused(planning, iom_caseworker):
    """The issue's example: leaves 11 December at 10:00, lands 10 December at 08:00."""
    fields = flight("ARN", "LOS", year_ahead(12, 11, 10), year_ahead(12, 10, 8))
    with pytest.raises(services.TravelError, match="lands before it leaves"):
        services.save_flight(planning, by=iom_caseworker, **fields)
    assert not FlightSegment.objects.filter(plan__case=planning).exists()


def test_a_flight_landing_as_it_leaves_is_refused(planning, iom_caseworker):
    fields = flight("ARN", "AMS", year_ahead(12, 11, 10), year_ahead(12, 11, 10))
    with pytest.raises(services.TravelError, match="lands before it leaves"):
        services.save_flight(planning, by=iom_caseworker, **fields)


def test_a_flight_longer_than_a_day_is_refused(planning, iom_caseworker):
    fields = flight("ARN", "LOS", year_ahead(12, 11, 10), year_ahead(12, 12, 10, 30))
    with pytest.raises(services.TravelError, match="more than 24 hours"):
        services.save_flight(planning, by=iom_caseworker, **fields)


def test_a_flight_from_stockholm_to_lagos_is_accepted(planning, iom_caseworker):
    fields = flight("ARN", "LOS", year_ahead(12, 11, 9, 30), year_ahead(12, 11, 18, 5))
    saved = services.save_flight(planning, by=iom_caseworker, **fields)
    # 09:30 in Stockholm and 18:05 in Lagos are both UTC+1 in winter: 8 h 35 min.
    assert saved.arrives() - saved.departs() == dt.timedelta(hours=8, minutes=35)


def test_a_westward_flight_that_lands_earlier_by_the_clocks_is_accepted(planning, iom_caseworker):
    """Tokyo 21:00 to Honolulu 09:00 the same day: earlier by the clocks, 7 hours later in
    fact (Tokyo is UTC+9, Honolulu UTC-10)."""
    fields = flight("NRT", "HNL", year_ahead(1, 15, 21), year_ahead(1, 15, 9), number="JL782")
    saved = services.save_flight(planning, by=iom_caseworker, **fields)
    assert saved.departs() == dt.datetime(year_ahead(1, 15, 12).year, 1, 15, 12, 0, tzinfo=UTC)
    assert saved.arrives() - saved.departs() == dt.timedelta(hours=7)


def test_an_eastward_flight_that_looks_right_by_the_clocks_but_lands_before_it_leaves(
    planning, iom_caseworker
):
    """New York 22:00 to London 23:00 the same day reads as an hour's flight, but 22:00 in
    New York is 03:00 the next day in London: it would land four hours before it left."""
    fields = flight("JFK", "LHR", year_ahead(1, 15, 22), year_ahead(1, 15, 23), number="BA178")
    with pytest.raises(services.TravelError, match="lands before it leaves"):
        services.save_flight(planning, by=iom_caseworker, **fields)


def test_an_unknown_airport_is_refused_with_its_code(planning, iom_caseworker):
    fields = flight("ARN", "QQQ", year_ahead(12, 11, 10), year_ahead(12, 11, 14))
    with pytest.raises(services.TravelError, match="QQQ is not the code of an airport we know"):
        services.save_flight(planning, by=iom_caseworker, **fields)


def test_connections_are_compared_as_instants(planning, iom_caseworker):
    """A connection that leaves Amsterdam before the first flight lands there."""
    services.save_flight(
        planning,
        by=iom_caseworker,
        **flight("ARN", "AMS", year_ahead(12, 11, 6, 10), year_ahead(12, 11, 8, 35), "KL1156"),
    )
    services.save_flight(
        planning,
        by=iom_caseworker,
        **flight("AMS", "LOS", year_ahead(12, 11, 8, 20), year_ahead(12, 11, 14, 40), "KL587"),
    )
    plan = services.live_plan(planning)
    assert "Flight KL587 leaves before the flight before it lands." in services.booking_problems(
        plan
    )


# Departure and arrival, with their date and time.


@pytest.fixture
def booked(approved):
    """Booked, its one flight ARN 08:00 to AMS 12:00 (local times) yesterday."""
    make_travel_plan(approved, state="booked", day=yesterday())
    return approved


def at_arlanda(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo("Europe/Stockholm"))


def test_the_departure_is_recorded_at_the_time_given(booked, iom_caseworker):
    left = at_arlanda(yesterday(), 8, 25)
    plan = services.record_departure(booked, by=iom_caseworker, at=left)
    plan.refresh_from_db()
    assert plan.departed_at == left
    event = CaseEvent.objects.get(case=booked, action="travel.departed")
    assert event.note == f"KL1100 {yesterday():%Y-%m-%d} 08:25 ARN"


def test_the_departure_is_by_default_when_the_first_flight_was_to_leave(booked, iom_caseworker):
    plan = services.record_departure(booked, by=iom_caseworker)
    plan.refresh_from_db()
    assert plan.departed_at == at_arlanda(yesterday(), 8)


def test_a_departure_in_the_future_is_refused(booked, iom_caseworker):
    with pytest.raises(services.TravelError, match="departure cannot be in the future"):
        services.record_departure(
            booked, by=iom_caseworker, at=timezone.now() + dt.timedelta(minutes=5)
        )
    assert TravelPlan.objects.get(case=booked).state == T.BOOKED
    booked.refresh_from_db()
    assert booked.state == CaseState.APPROVED


def test_a_departure_more_than_a_day_before_the_first_flight_is_refused(booked, iom_caseworker):
    too_early = at_arlanda(yesterday(), 8) - dt.timedelta(days=1, minutes=1)
    with pytest.raises(services.TravelError, match="more than a day before the first flight"):
        services.record_departure(booked, by=iom_caseworker, at=too_early)
    assert TravelPlan.objects.get(case=booked).state == T.BOOKED


def test_a_departure_a_day_before_the_first_flight_is_accepted(booked, iom_caseworker):
    day_before = at_arlanda(yesterday(), 8) - dt.timedelta(days=1)
    plan = services.record_departure(booked, by=iom_caseworker, at=day_before)
    assert plan.state == T.DEPARTED


def test_the_arrival_is_recorded_at_the_time_given(booked, iom_caseworker):
    services.record_departure(booked, by=iom_caseworker)
    landed = at_arlanda(yesterday(), 12, 40)
    plan = services.record_arrival(booked, by=iom_caseworker, at=landed)
    plan.refresh_from_db()
    assert plan.arrived_at == landed
    booked.refresh_from_db()
    assert booked.state == CaseState.REINTEGRATION
    # Reintegration counts from the day of arrival in the destination.
    assert booked.support_plan.arrived_on == yesterday()
    event = CaseEvent.objects.get(case=booked, action="travel.arrived")
    assert event.note == f"KL1100 {yesterday():%Y-%m-%d} 12:40 AMS"


def test_an_arrival_before_the_departure_is_refused(booked, iom_caseworker):
    services.record_departure(booked, by=iom_caseworker, at=at_arlanda(yesterday(), 9))
    with pytest.raises(services.TravelError, match="arrival cannot be before the departure"):
        services.record_arrival(booked, by=iom_caseworker, at=at_arlanda(yesterday(), 8, 59))
    assert TravelPlan.objects.get(case=booked).state == T.DEPARTED


def test_an_arrival_in_the_future_is_refused(booked, iom_caseworker):
    services.record_departure(booked, by=iom_caseworker)
    with pytest.raises(services.TravelError, match="arrival cannot be in the future"):
        services.record_arrival(
            booked, by=iom_caseworker, at=timezone.now() + dt.timedelta(hours=1)
        )
    assert TravelPlan.objects.get(case=booked).state == T.DEPARTED


def test_a_departure_not_yet_due_is_refused_by_default(approved, iom_caseworker):
    """A plan whose flight leaves next week cannot be recorded as departed today."""
    make_travel_plan(approved, state="booked")
    with pytest.raises(services.TravelError, match="departure cannot be in the future"):
        services.record_departure(approved, by=iom_caseworker)


def test_the_departure_can_be_recorded_on_the_day_of_the_flight(approved, iom_caseworker):
    plan = make_travel_plan(approved, state="booked")
    first = plan.flights.get()
    with time_machine.travel(first.departs() + dt.timedelta(minutes=30)):
        services.record_departure(approved, by=iom_caseworker)
    plan.refresh_from_db()
    assert plan.departed_at == first.departs()


# A new plan from the one that ended.


@pytest.fixture
def incident(approved, iom_caseworker):
    """A booked journey with an escort and documents, ended by a missed connection."""
    plan = make_travel_plan(approved, state="booked")
    TravelPlan.objects.filter(pk=plan.pk).update(
        escort_needed=True, escort="Eva Ek, IOM", notes="Vegetarian meals"
    )
    services.report_incident(approved, by=iom_caseworker, description="Missed the connection")
    plan.refresh_from_db()
    return plan


def _fields(plan):
    return {name: getattr(plan, name) for name in services.PLAN_FIELDS}


def test_a_new_plan_starts_from_the_ended_one_with_its_documents(
    approved, incident, iom_caseworker
):
    new = services.start_plan(approved, by=iom_caseworker, copy_from=incident, **_fields(incident))
    new.refresh_from_db()
    assert new.state == T.PLANNING and new.pk != incident.pk
    assert (new.escort_needed, new.escort, new.reception, new.notes) == (
        True,
        "Eva Ek, IOM",
        "IOM Lagos möter på flygplatsen",
        "Vegetarian meals",
    )
    copied = list(new.documents.values_list("person_id", "kind", "number", "valid_until"))
    kept = list(incident.documents.values_list("person_id", "kind", "number", "valid_until"))
    assert copied == kept and copied
    # The flights must be booked anew; the ended plan keeps its own.
    assert not new.flights.exists()
    assert incident.flights.count() == 1
    incident.refresh_from_db()
    assert (incident.state, incident.end_reason) == (T.INCIDENT, "Missed the connection")
    assert CaseEvent.objects.filter(case=approved, action="travel.planned_again").exists()


def test_a_new_plan_cannot_start_from_a_live_plan(approved, iom_caseworker):
    live = make_travel_plan(approved)
    with pytest.raises(services.TravelError, match="already has a travel plan"):
        services.start_plan(approved, by=iom_caseworker, copy_from=live)


def test_a_new_plan_cannot_start_from_another_cases_plan(approved, incident, iom_caseworker):
    other = make_ready_to_submit(make_case(CaseState.APPROVED))
    with pytest.raises(services.TravelError, match="ended plan of this case"):
        services.start_plan(other, by=iom_caseworker, copy_from=incident)
    assert not TravelPlan.objects.filter(case=other).exists()
    assert not TravelDocument.objects.filter(plan__case=other).exists()
