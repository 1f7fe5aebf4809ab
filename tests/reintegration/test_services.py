"""The journey's services: planning, booking conditions, departure and arrival moving the
case, cancellation and incidents, refusals that change nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ampcase.audit.models import AuditEvent
from referrals import services as case_services
from referrals.models import CaseEvent, CaseState, ConsentPurpose, Person
from reintegration import services
from reintegration.models import TravelPlan, TravelState
from tests.factories import add_consent, make_case, make_ready_to_submit, make_travel_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved():
    return make_ready_to_submit(make_case(CaseState.APPROVED))


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
    assert plan.state == TravelState.BOOKED

    services.record_departure(approved, by=iom_caseworker)
    approved.refresh_from_db()
    assert approved.state == CaseState.IN_TRANSIT

    services.record_arrival(approved, by=nigeria_office)
    approved.refresh_from_db()
    plan.refresh_from_db()
    assert (approved.state, plan.state) == (CaseState.REINTEGRATION, TravelState.ARRIVED)
    actions = list(CaseEvent.objects.filter(case=approved).values_list("action", flat=True))
    assert actions[-4:] == ["travel.departed", "case.departed", "travel.arrived", "case.arrived"]


def test_booking_lists_everything_missing_and_changes_nothing(approved, iom_caseworker):
    services.start_plan(approved, by=iom_caseworker, escort_needed=True)
    with pytest.raises(services.TravelError) as refused:
        services.book(approved, by=iom_caseworker)
    problems = " ".join(refused.value.problems)
    assert "Add the flights." in problems
    assert "travel document of Åsa" in problems
    assert "Name the escort" in problems
    assert "meets the returnee" in problems
    assert TravelPlan.objects.get(case=approved).state == TravelState.PLANNING


def test_withdrawal_cancels_a_booked_journey(approved, iom_caseworker, stockholm_coordinator):
    plan = make_travel_plan(approved, state="booked")
    case_services.withdraw_case(
        approved, by=stockholm_coordinator, on=timezone.localdate(), reason="Vill stanna"
    )
    plan.refresh_from_db()
    assert plan.state == TravelState.CANCELLED
    assert plan.end_reason


def test_a_referrer_cannot_start_a_plan(approved, referrer):
    with pytest.raises(PermissionDenied):
        services.start_plan(approved, by=referrer)
    assert not TravelPlan.objects.filter(case=approved).exists()
    assert AuditEvent.objects.filter(action="access.denied").exists()
