"""The follow-up pages: who reads the schedule and who reads what a contact found, recording
from the page, and a constant number of queries on the page and on the office's home page."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals import services as case_services
from reintegration.models import FollowUp
from reintegration.services import followup
from tests.conftest import PERSONAS, sign_in
from tests.factories import make_arrived_case

pytestmark = pytest.mark.django_db

FOLLOW_UP_URLS = {
    "follow-up",
    "follow-up-new",
    "follow-up-record",
    "check-baseline",
    "check-follow-up",
}
# Those who see the identity: the schedule; of them, IOM Finland and the office: the answers.
SCHEDULE_READERS = {
    "stockholm_coordinator",
    "social_worker",
    "iom_caseworker",
    "iom_approver",
    "nigeria_office",
}
RECORDERS = {"iom_caseworker", "nigeria_office"}
SECRET = "Lives with the aunt in Benin City."


@pytest.fixture
def arrived(request, stockholm_coordinator, social_worker, nigeria_office):
    case = make_arrived_case(arrived_on=dt.date(2026, 9, 15))
    case_services.assign_social_worker(case, by=stockholm_coordinator, social_worker=social_worker)
    followup.record_follow_up(
        FollowUp.objects.get(case=case, month=1),
        by=nigeria_office,
        done_on=dt.date(2026, 10, 16),
        how="visit",
        housing=SECRET,
        health="",
        income="",
        safety="",
        threat=False,
        support_received="",
        notes="",
    )
    return case


def _url(name, case):
    if name in {"follow-up-record", "check-follow-up"}:
        return reverse(f"reintegration:{name}", args=[case.uuid, 2])
    return reverse(f"reintegration:{name}", args=[case.uuid])


@pytest.mark.parametrize("persona", PERSONAS)
def test_follow_up_pages(request, arrived, persona):
    client = sign_in(Client(), request.getfixturevalue(persona))
    for name in sorted(FOLLOW_UP_URLS):
        response = client.get(_url(name, arrived))
        if persona not in SCHEDULE_READERS:
            expected = 404
        elif name == "follow-up":
            expected = 200
        else:
            expected = 200 if persona in RECORDERS else 403
        assert response.status_code == expected, (persona, name)
        if name == "follow-up" and expected == 200:
            # What the contact found: IOM Finland and the office only.
            shown = SECRET in response.content.decode()
            assert shown == (persona in RECORDERS | {"iom_approver"}), persona


def test_a_contact_is_recorded_from_the_page(arrived, nigeria_office):
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), nigeria_office)
    response = client.post(
        _url("follow-up-record", arrived),
        {"done_on": "2026-11-16", "how": "phone", "threat": "on", "safety": "Calls at night."},
    )
    assert response.status_code == 302
    done = FollowUp.objects.get(case=arrived, month=2)
    assert (done.done_on, done.how, done.threat) == (dt.date(2026, 11, 16), "phone", True)


def test_a_contact_without_its_date_or_way_is_refused_and_nothing_changes(arrived, nigeria_office):
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), nigeria_office)
    response = client.post(_url("follow-up-record", arrived), {"safety": "x"})
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert not FollowUp.objects.get(case=arrived, month=2).done


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_follow_up_page_costs_the_same_for_1_or_24_contacts(arrived, nigeria_office):
    client = sign_in(Client(), nigeria_office)
    url = _url("follow-up", arrived)
    FollowUp.objects.filter(case=arrived, month__gt=1).delete()
    one = _queries(client, url)
    FollowUp.objects.bulk_create(
        FollowUp(case=arrived, month=month, due_on=dt.date(2026, 9, 15) + dt.timedelta(30 * month))
        for month in range(2, 25)
    )
    assert _queries(client, url) == one


@time_machine.travel(dt.datetime(2026, 12, 1, 11, 0, tzinfo=dt.UTC))
def test_the_office_home_costs_the_same_for_1_or_30_cases_followed_up(nigeria_office):
    client = sign_in(Client(), nigeria_office)
    make_arrived_case(arrived_on=dt.date(2026, 9, 15))
    one = _queries(client, reverse("home"))
    for _ in range(29):
        make_arrived_case(arrived_on=dt.date(2026, 9, 15))
    assert _queries(client, reverse("home")) == one
