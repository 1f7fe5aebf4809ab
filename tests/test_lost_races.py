"""A double click, a replayed POST, an old tab or a lost race on any step of any app answers
with the state things are in now, on the page the step belongs to: never "access denied", and
no `access.denied` in the audit trail for a user who held the right a moment ago (the case-page
kit, `referrals/kit.py`)."""

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ampcase.accounts.roles import Role
from ampcase.audit.models import AuditEvent
from referrals import services as case_services
from referrals.models import CaseState, ConsentPurpose, Decision, Person
from reintegration.models import TravelPlan
from risk.models import RiskRow
from tests.conftest import sign_in
from tests.factories import (
    add_consent,
    make_case,
    make_ready_to_submit,
    make_risk_table,
    make_travel_plan,
    make_user,
    planned_arrival_form,
)


@pytest.fixture
def second_stockholm_coordinator(stockholm_coordinator):
    return make_user(Role.REGION_COORDINATOR, organisation=stockholm_coordinator.organisation)


def _client(user) -> Client:
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _denials(user) -> int:
    return AuditEvent.objects.filter(action="access.denied", actor=user).count()


def _approved(state=CaseState.APPROVED):
    case = make_ready_to_submit(make_case(state))
    add_consent(case, ConsentPurpose.IOM_DESTINATION)
    return case


STEP_DATA = {
    "approve": {"reason": ""},
    "request-changes": {"reason": "Bifoga passkopian."},
    "reject": {"reason": "Inte frivilligt."},
}
STATE_AFTER = {"approve": "Approved", "request-changes": "Preparing", "reject": "Rejected"}


@pytest.mark.django_db
@pytest.mark.parametrize("step", STEP_DATA)
def test_a_decision_sent_twice_says_what_the_case_is_now(step, iom_caseworker):
    case = make_ready_to_submit(make_case(CaseState.SUBMITTED))
    client = _client(iom_caseworker)
    url = reverse(f"referrals:{step}", args=[case.uuid])
    assert client.post(url, STEP_DATA[step]).status_code == 302

    again = client.post(url, STEP_DATA[step])

    assert again.status_code == 302
    assert again["Location"] == reverse("referrals:case", args=[case.uuid])
    assert any(f"The case is now “{STATE_AFTER[step]}" in said for said in _said(again))
    assert Decision.objects.filter(case=case).count() == 1
    assert _denials(iom_caseworker) == 0


@pytest.mark.django_db
def test_a_decision_page_opened_after_the_decision_says_what_the_case_is_now(iom_caseworker):
    case = make_ready_to_submit(make_case(CaseState.SUBMITTED))
    client = _client(iom_caseworker)
    client.post(reverse("referrals:approve", args=[case.uuid]), {"reason": ""})

    old_tab = client.get(reverse("referrals:reject", args=[case.uuid]))

    assert old_tab.status_code == 302
    assert any("The case is now “Approved”" in said for said in _said(old_tab))
    assert _denials(iom_caseworker) == 0


@pytest.mark.django_db
def test_a_withdrawal_sent_twice_says_the_case_is_withdrawn(stockholm_coordinator):
    case = make_case(CaseState.PREPARING)
    client = _client(stockholm_coordinator)
    url = reverse("referrals:withdraw", args=[case.uuid])
    data = {"on": timezone.localdate().isoformat(), "reason": "Vill stanna."}
    assert client.post(url, data).status_code == 302

    again = client.post(url, data)

    assert again.status_code == 302
    assert any("The case is now “Withdrawn”" in said for said in _said(again))
    assert _denials(stockholm_coordinator) == 0


@pytest.mark.django_db
def test_a_form_left_open_while_a_colleague_withdrew_says_so(
    stockholm_coordinator, second_stockholm_coordinator
):
    case = make_case(CaseState.PREPARING)
    client = _client(stockholm_coordinator)
    case_services.withdraw_case(
        case, by=second_stockholm_coordinator, on=timezone.localdate(), reason="Vill stanna."
    )

    response = client.post(
        reverse("referrals:child-new", args=[case.uuid]),
        {"given_name": "Ebba", "family_name": "Öberg", "date_of_birth": "2020-02-02"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:case", args=[case.uuid])
    assert any("The case is now “Withdrawn”" in said for said in _said(response))
    assert not Person.objects.filter(case=case, given_name="Ebba").exists()
    assert _denials(stockholm_coordinator) == 0


@pytest.mark.django_db
def test_a_travel_step_sent_twice_says_what_the_plan_is_now(iom_caseworker):
    case = _approved()
    make_travel_plan(case)
    client = _client(iom_caseworker)
    url = reverse("reintegration:book", args=[case.uuid])
    assert client.post(url).status_code == 302

    again = client.post(url)

    assert again.status_code == 302
    assert again["Location"] == reverse("reintegration:travel", args=[case.uuid])
    assert any("The travel plan is now “Booked”" in said for said in _said(again))
    assert _denials(iom_caseworker) == 0


@pytest.mark.django_db
def test_a_cancellation_sent_twice_says_the_plan_is_cancelled(iom_caseworker):
    case = _approved()
    make_travel_plan(case)
    client = _client(iom_caseworker)
    url = reverse("reintegration:cancel", args=[case.uuid])
    assert client.post(url, {"reason": "Sjuk."}).status_code == 302

    again = client.post(url, {"reason": "Sjuk."})

    assert again.status_code == 302
    assert any("The travel plan is now “Cancelled”" in said for said in _said(again))
    assert TravelPlan.objects.filter(case=case).count() == 1
    assert _denials(iom_caseworker) == 0


@pytest.mark.django_db
def test_an_arrival_recorded_twice_says_the_plan_has_arrived(nigeria_office):
    case = _approved(CaseState.IN_TRANSIT)
    plan = make_travel_plan(case, state="departed")
    client = _client(nigeria_office)
    url = reverse("reintegration:arrive", args=[case.uuid])
    assert client.post(url, planned_arrival_form(plan)).status_code == 302

    again = client.post(url, planned_arrival_form(plan))

    assert again.status_code == 302
    assert any("The travel plan is now “Arrived”" in said for said in _said(again))
    assert _denials(nigeria_office) == 0


@pytest.mark.django_db
def test_a_risk_form_sent_after_submission_says_the_case_was_submitted(stockholm_coordinator):
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    client = _client(stockholm_coordinator)
    case_services.submit_case(case, by=stockholm_coordinator)

    response = client.post(
        reverse("risk:row-new", args=[case.uuid]),
        {
            "where": "home",
            "threat": "stigma",
            "description": "x",
            "likelihood": 2,
            "impact": 2,
            "mitigation": "y",
            "responsible": "z",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("risk:table", args=[case.uuid])
    assert any("The case is now “Submitted to IOM Finland”" in s for s in _said(response))
    assert RiskRow.objects.filter(table__case=case).count() == 1  # the completed table's
    assert _denials(stockholm_coordinator) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["risk:row-new", "risk:complete"])
def test_cancel_on_a_risk_form_returns_to_the_risk_table(page, stockholm_coordinator):
    case = make_case(CaseState.PREPARING)
    make_risk_table(case)
    response = _client(stockholm_coordinator).get(reverse(page, args=[case.uuid]))
    table = reverse("risk:table", args=[case.uuid])
    assert f'<a class="cancel" href="{table}">' in response.content.decode()


# Eight caseworkers approve the same submission at the same moment, through the pages.


@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_approvals_give_one_decision_and_no_refusal(iom_caseworker):
    case = make_ready_to_submit(make_case(CaseState.SUBMITTED))
    people = [iom_caseworker] + [
        make_user(Role.IOM_CASEWORKER, organisation=iom_caseworker.organisation) for _ in range(7)
    ]
    clients = [_client(person) for person in people]
    url = reverse("referrals:approve", args=[case.uuid])
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def approve(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            responses[index] = clients[index].post(url, {"reason": ""})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [response.status_code for response in responses] == [302] * 8
    told = [_said(response) for response in responses]
    assert sum("The return was approved." in said for said in told) == 1
    assert sum(any("The case is now “Approved”" in s for s in said) for said in told) == 7
    assert Decision.objects.filter(case=case).count() == 1
    assert not AuditEvent.objects.filter(action="access.denied").exists()
