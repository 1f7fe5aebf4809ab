"""Follow-up after arrival: the schedule in the destination's time zone, recording contacts,
threats reaching IOM Finland and the region coordinator, and closing a case with its outcome."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from ampcase.audit.models import AuditEvent
from referrals import services as case_services
from referrals.models import CaseEvent, CaseOutcome, CaseState
from referrals.registry import queues_for
from reintegration.models import FollowUp, Payment
from reintegration.services import followup, support, travel
from tests.factories import (
    add_consent,
    make_arrived_case,
    make_case,
    make_risk_table,
    make_travel_plan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path
    with translation.override("en"):
        yield


def contact(**fields):
    return {
        "done_on": fields.pop("done_on"),
        "how": "visit",
        "housing": "Shelter in Benin City.",
        "health": "Good.",
        "income": "Hairdressing course.",
        "safety": "Feels safe.",
        "threat": False,
        "support_received": "Subsistence, month 1.",
        "notes": "",
        **fields,
    }


def record(case, month, by, **fields):
    follow_up = FollowUp.objects.get(case=case, month=month)
    return followup.record_follow_up(follow_up, by=by, **contact(**fields))


def queue(user, key):
    return next(q for q in queues_for(user) if q.key == key).cases


# The schedule.


def test_the_arrival_schedules_six_monthly_contacts_from_the_day_of_arrival(iom_caseworker):
    case = make_case(CaseState.IN_TRANSIT)
    add_consent(case)
    make_travel_plan(case, state="departed")
    # 23:30 in Stockholm on 31 January is 23:30 in Lagos too (both UTC+1 in winter).
    late = dt.datetime(2027, 1, 31, 22, 30, tzinfo=dt.UTC)
    with time_machine.travel(late + dt.timedelta(minutes=5)):
        travel.record_arrival(case, by=iom_caseworker, at=late)
    due = list(FollowUp.objects.filter(case=case).values_list("month", "due_on"))
    assert due == [
        (1, dt.date(2027, 2, 28)),
        (2, dt.date(2027, 3, 31)),
        (3, dt.date(2027, 4, 30)),
        (4, dt.date(2027, 5, 31)),
        (5, dt.date(2027, 6, 30)),
        (6, dt.date(2027, 7, 31)),
    ]


def test_the_day_of_arrival_is_the_destinations_day():
    romania = make_case(CaseState.REINTEGRATION, destination_country="RO")
    # 23:30 UTC on 28 March 2027 is already 29 March in Bucharest (summer time, UTC+3).
    late = dt.datetime(2027, 3, 28, 23, 30, tzinfo=dt.UTC)
    assert followup.country_today(romania, late) == dt.date(2027, 3, 29)
    assert timezone.localtime(late).date() == dt.date(2027, 3, 29)  # Stockholm, UTC+2
    nigeria = make_case(CaseState.REINTEGRATION, destination_country="NG")
    assert followup.country_today(nigeria, late) == dt.date(2027, 3, 29)  # UTC+1, no DST
    assert followup.country_zone("NG") == ZoneInfo("Africa/Lagos")


def test_overdue_turns_at_midnight_where_the_returnee_lives_across_a_clock_change():
    # Due on Sunday 31 October 2027, the night Europe's clocks go back.
    case = make_arrived_case(destination_country="RO", arrived_on=dt.date(2027, 9, 30))
    contacts = list(FollowUp.objects.filter(case=case, month=1))
    assert contacts[0].due_on == dt.date(2027, 10, 30)
    # 21:30 UTC on 30 October is 00:30 on 31 October in Bucharest (still UTC+3): overdue.
    assert followup.overdue(case, contacts, dt.datetime(2027, 10, 30, 21, 30, tzinfo=dt.UTC))
    # 20:30 UTC is 23:30 on 30 October there: due today, not overdue.
    assert not followup.overdue(case, contacts, dt.datetime(2027, 10, 30, 20, 30, tzinfo=dt.UTC))


def test_a_further_contact_can_be_planned_up_to_month_24(nigeria_office):
    case = make_arrived_case(arrived_on=dt.date(2026, 11, 15))
    followup.add_follow_up(case, by=nigeria_office, month=24)
    assert FollowUp.objects.get(case=case, month=24).due_on == dt.date(2028, 11, 15)
    for month, message in ((6, "months 7 to 24"), (25, "months 7 to 24"), (24, "already")):
        with pytest.raises(support.SupportError, match=message):
            followup.add_follow_up(case, by=nigeria_office, month=month)


# Recording contacts.


def test_the_office_records_a_contact(nigeria_office):
    case = make_arrived_case(arrived_on=dt.date(2026, 10, 1))
    done = record(case, 1, nigeria_office, done_on=dt.date(2026, 11, 2))
    assert (done.done_on, done.recorded_by, done.how) == (
        dt.date(2026, 11, 2),
        nigeria_office,
        "visit",
    )
    event = AuditEvent.objects.get(action="follow_up.recorded")
    assert (event.actor, event.summary) == (nigeria_office, "month 1")


def test_the_timeline_says_which_month_in_the_readers_language(nigeria_office):
    from tests.referrals.test_case_page import _timeline

    case = make_arrived_case(arrived_on=dt.date(2026, 10, 1))
    record(case, 1, nigeria_office, done_on=dt.date(2026, 11, 2))
    english = _timeline(nigeria_office, case, "en")
    assert "recorded a follow-up contact (month 1 after arrival)" in english
    swedish = _timeline(nigeria_office, case, "sv")
    assert "month 1" not in swedish
    assert "månad 1 efter ankomst" in swedish


@pytest.mark.parametrize(
    ("done_on", "message"),
    [(dt.date(2026, 9, 30), "before the arrival"), (dt.date(2099, 1, 1), "in the future")],
)
def test_a_contact_dated_before_arrival_or_in_the_future_is_refused(
    nigeria_office, done_on, message
):
    case = make_arrived_case(arrived_on=dt.date(2026, 10, 1))
    with pytest.raises(support.SupportError, match=message):
        record(case, 1, nigeria_office, done_on=done_on)
    assert not FollowUp.objects.get(case=case, month=1).done


@pytest.mark.parametrize("persona", ["stockholm_coordinator", "social_worker", "iom_approver"])
def test_only_the_office_and_iom_finland_record_contacts(request, persona):
    case = make_arrived_case(arrived_on=dt.date(2026, 10, 1))
    with pytest.raises(case_services.Denied):
        record(case, 1, request.getfixturevalue(persona), done_on=dt.date(2026, 11, 2))


def test_a_reported_threat_reaches_iom_finland_and_the_coordinator_until_the_table_is_reviewed(
    nigeria_office, iom_caseworker, stockholm_coordinator, syd_coordinator
):
    case = make_arrived_case(arrived_on=dt.date(2026, 10, 1))
    record(case, 1, nigeria_office, done_on=dt.date(2026, 11, 2), threat=True)
    assert queue(iom_caseworker, "threats") == [case]
    assert queue(stockholm_coordinator, "threats") == [case]
    assert queue(syd_coordinator, "threats") == []
    assert CaseEvent.objects.filter(case=case, action="follow_up.threat_reported").exists()
    # A new version of the risk table, completed after the report, answers it.
    make_risk_table(case, completed=True)
    assert queue(iom_caseworker, "threats") == []
    assert queue(stockholm_coordinator, "threats") == []


@time_machine.travel(dt.datetime(2026, 12, 1, 11, 0, tzinfo=dt.UTC))
def test_overdue_and_due_contacts_are_in_the_office_and_iom_finland_queues(
    nigeria_office, iom_caseworker
):
    # Month 1 of the first was due on 15 October; month 1 of the second is due on 4 December.
    late = make_arrived_case(arrived_on=dt.date(2026, 9, 15))
    soon = make_arrived_case(arrived_on=dt.date(2026, 11, 4))
    make_arrived_case(arrived_on=dt.date(2026, 11, 20))  # month 1 due on 20 December
    assert queue(nigeria_office, "follow-ups-overdue") == [late]
    assert queue(iom_caseworker, "follow-ups-overdue") == [late]
    assert queue(nigeria_office, "follow-ups-due") == [soon]


# Closing.


def close(case, by, outcome=CaseOutcome.COMPLETED, note="Working as a hairdresser."):
    return case_services.close_case(case, by=by, outcome=outcome, note=note)


def test_iom_finland_closes_a_case_once_the_six_months_are_followed_up(
    iom_caseworker, nigeria_office
):
    case = make_arrived_case(arrived_on=dt.date(2026, 5, 1))
    for month in range(1, 7):
        record(case, month, nigeria_office, done_on=dt.date(2026, 5 + month, 2))
    closed = close(case, iom_caseworker)
    assert (closed.state, closed.outcome, closed.closed_from) == (
        CaseState.CLOSED,
        CaseOutcome.COMPLETED,
        CaseState.REINTEGRATION,
    )
    assert CaseEvent.objects.filter(case=case, action="case.closed").exists()


def test_closing_before_the_six_months_is_refused_with_the_months_missing(iom_caseworker):
    case = make_arrived_case(arrived_on=dt.date(2026, 5, 1))
    with pytest.raises(case_services.CaseError) as refused:
        close(case, iom_caseworker)
    assert refused.value.problems == [
        "The follow-ups of months 1, 2, 3, 4, 5, 6 after arrival are not done yet."
    ]
    case.refresh_from_db()
    assert case.state == CaseState.REINTEGRATION


@pytest.mark.parametrize(
    "outcome",
    [CaseOutcome.LOST_CONTACT, CaseOutcome.MOVED_ON, CaseOutcome.DIED, CaseOutcome.WITHDREW],
)
def test_an_outcome_that_ends_contact_closes_before_the_six_months(iom_caseworker, outcome):
    case = make_arrived_case(arrived_on=dt.date(2026, 11, 1))
    assert close(case, iom_caseworker, outcome=outcome).outcome == outcome


def test_closing_with_payments_waiting_is_refused(iom_caseworker, nigeria_office):
    case = make_arrived_case(arrived_on=dt.date(2026, 11, 1))
    support.request_payment(
        case,
        by=nigeria_office,
        beneficiary=case.people.get(relation="returnee"),
        category="medical",
        amount=Decimal("50"),
        payee="reimbursement",
        method="bank",
    )
    with pytest.raises(case_services.CaseError) as refused:
        close(case, iom_caseworker, outcome=CaseOutcome.LOST_CONTACT)
    assert refused.value.problems == [
        "1 payment still waits to be decided or paid out: decide, pay or cancel it."
    ]
    assert Payment.objects.get().state == "requested"


def test_a_case_whose_journey_failed_closes_as_never_travelled(iom_caseworker):
    case = make_case(CaseState.APPROVED)
    add_consent(case)
    plan = make_travel_plan(case)
    with pytest.raises(case_services.CaseError, match="cannot be closed yet"):
        close(case, iom_caseworker, outcome=CaseOutcome.NEVER_TRAVELLED)
    from reintegration.services.travel import cancel

    cancel(case, by=iom_caseworker, reason="The returnee fell ill.")
    plan.refresh_from_db()
    closed = close(
        case, iom_caseworker, outcome=CaseOutcome.NEVER_TRAVELLED, note="Stays in Sweden."
    )
    assert (closed.state, closed.closed_from) == (CaseState.CLOSED, CaseState.APPROVED)


@pytest.mark.parametrize("persona", ["stockholm_coordinator", "nigeria_office", "iom_approver"])
def test_only_iom_finlands_caseworkers_close_a_case(request, persona):
    case = make_arrived_case(arrived_on=dt.date(2026, 11, 1))
    with pytest.raises(case_services.Denied):
        close(case, request.getfixturevalue(persona), outcome=CaseOutcome.LOST_CONTACT)


def test_a_closed_case_is_read_only_and_reopens_to_where_it_was(iom_caseworker, nigeria_office):
    case = make_arrived_case(arrived_on=dt.date(2026, 11, 1))
    close(case, iom_caseworker, outcome=CaseOutcome.LOST_CONTACT)
    with pytest.raises(support.SupportError, match="“Closed”"):
        record(case, 1, nigeria_office, done_on=dt.date(2026, 11, 20))
    with pytest.raises(case_services.CaseError, match="reason"):
        case_services.reopen_case(case, by=iom_caseworker, reason=" ")
    reopened = case_services.reopen_case(case, by=iom_caseworker, reason="She called again.")
    assert (reopened.state, reopened.outcome) == (CaseState.REINTEGRATION, "")
    assert record(case, 1, nigeria_office, done_on=dt.date(2026, 11, 20)).done


def test_the_database_refuses_a_closed_case_without_an_outcome():
    from django.db import IntegrityError, connection, transaction

    case = make_case(CaseState.REINTEGRATION)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE referrals_case SET state = 'closed' WHERE id = %s", [case.pk])


def test_the_office_expects_arrivals_with_the_last_flight_and_its_date(nigeria_office):
    case = make_case(CaseState.IN_TRANSIT)
    add_consent(case)
    plan = make_travel_plan(case, state="departed", flights=2)
    last = plan.flights.order_by("arrives_on", "arrives_at").last()
    arrivals = next(q for q in queues_for(nigeria_office) if q.key == "arrivals")
    assert arrivals.cases == [case]
    assert arrivals.notes[case.pk] == (
        f"{last.flight_number} {last.to_airport} {last.arrives_on:%Y-%m-%d} 12:00"
    )


def test_the_office_reads_the_risk_table_after_arrival_not_before(nigeria_office):
    from django.test import Client
    from django.urls import reverse

    from referrals.models import ConsentPurpose
    from tests.conftest import sign_in

    arrived = make_arrived_case(arrived_on=dt.date(2026, 10, 1))
    make_risk_table(arrived, completed=True)
    approved = make_case(CaseState.APPROVED)
    add_consent(approved)
    add_consent(approved, ConsentPurpose.IOM_DESTINATION)
    client = sign_in(Client(), nigeria_office)
    assert client.get(reverse("risk:table", args=[arrived.uuid])).status_code == 200
    assert client.get(reverse("risk:table", args=[approved.uuid])).status_code == 403
