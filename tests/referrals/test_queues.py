"""The home page's work queues."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from referrals import services
from referrals.models import CaseState
from referrals.queues import state_counts
from referrals.registry import queues_for
from tests.conftest import sign_in
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def queue(user, key):
    return next(q for q in queues_for(user) if q.key == key).cases


def test_new_referral_is_in_the_coordinators_queue(stockholm_coordinator, syd_coordinator):
    case = make_case()
    assert queue(stockholm_coordinator, "new") == [case]
    assert queue(syd_coordinator, "new") == []


def test_withdrawn_case_leaves_every_work_queue(stockholm_coordinator, social_worker):
    case = make_case(CaseState.PREPARING)
    services.assign_social_worker(case, by=stockholm_coordinator, social_worker=social_worker)
    assert queue(stockholm_coordinator, "preparing") == [case]
    assert queue(social_worker, "assigned") == [case]
    services.withdraw_case(
        case, by=stockholm_coordinator, on=timezone.localdate(), reason="Vill stanna."
    )
    work = ("new", "screening", "returned", "preparing")
    assert all(queue(stockholm_coordinator, key) == [] for key in work)
    assert queue(social_worker, "assigned") == []
    assert queue(stockholm_coordinator, "withdrawn") == [case]


# 00:30 in Stockholm on 1 February 2027, when it is still 31 January in UTC.
JUST_AFTER_MIDNIGHT_ON_THE_FIRST = dt.datetime(2027, 1, 31, 23, 30, tzinfo=dt.UTC)


def test_case_withdrawn_just_after_midnight_on_the_first_is_withdrawn_this_month(
    stockholm_coordinator,
):
    with time_machine.travel(JUST_AFTER_MIDNIGHT_ON_THE_FIRST, tick=False):
        case = make_case(CaseState.PREPARING)
        services.withdraw_case(
            case, by=stockholm_coordinator, on=timezone.localdate(), reason="Vill stanna."
        )
        assert queue(stockholm_coordinator, "withdrawn") == [case]


def test_case_withdrawn_on_the_last_day_of_last_month_is_not_withdrawn_this_month(
    stockholm_coordinator,
):
    with time_machine.travel(JUST_AFTER_MIDNIGHT_ON_THE_FIRST, tick=False):
        case = make_case(CaseState.PREPARING)
        services.withdraw_case(
            case, by=stockholm_coordinator, on=dt.date(2027, 1, 31), reason="Vill stanna."
        )
        assert queue(stockholm_coordinator, "withdrawn") == []


def test_case_returned_for_changes_is_in_its_own_queue(stockholm_coordinator, iom_caseworker):
    case = make_case(CaseState.SUBMITTED)
    assert queue(iom_caseworker, "review") == [case]
    services.request_changes(case, by=iom_caseworker, message="Passkopia saknas.")
    assert queue(stockholm_coordinator, "returned") == [case]
    assert queue(iom_caseworker, "review") == []


def test_state_counts_cover_the_region_only(stockholm_coordinator):
    make_case()
    make_case()
    make_case(CaseState.SCREENING)
    make_case(region_code="syd")
    with translation.override("en"):
        counts = [(str(label), n) for label, n in state_counts(stockholm_coordinator)]
    assert counts == [("Referred", 2), ("Screening", 1)]


def test_home_page_costs_the_same_for_few_or_many_cases(stockholm_coordinator):
    client = sign_in(Client(), stockholm_coordinator)
    make_case()

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    few = count()
    for state in [CaseState.REFERRED] * 12 + [CaseState.SCREENING] * 12:
        make_case(state)
    assert count() == few
