"""The case page and the steps around it as the people working on a case read them (issue 11):
what the consultation promises, the referrer's note, IOM's request for changes, the next step,
transfers and reopening, the timeline."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from referrals import services
from referrals.models import Application, CaseState, ConsentPurpose, Person
from tests.conftest import sign_in
from tests.factories import add_consent, make_case, make_ready_to_submit, make_risk_table

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


def _page(user, name: str, case) -> str:
    response = _client(user).get(reverse(name, args=[case.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def _case_with_a_child(state=CaseState.SCREENING):
    case = make_case(state)
    Person.objects.create(
        case=case,
        relation=Person.Relation.CHILD,
        given_name="Ebba",
        family_name="Öberg",
        date_of_birth=dt.date(2019, 6, 3),
    )
    return case


# Item 1: what the consultation page promises is what IOM Finland's case page shows.


def test_consultation_without_consent_promises_the_pseudonym_and_iom_sees_only_it(
    stockholm_coordinator, iom_caseworker
):
    case = _case_with_a_child()
    promise = _page(stockholm_coordinator, "referrals:consultation", case)
    assert "under its pseudonym: no name, date of birth" in promise

    _client(stockholm_coordinator).post(reverse("referrals:consultation", args=[case.uuid]))

    iom_page = _page(iom_caseworker, "referrals:case", case)
    assert case.pseudonym in iom_page
    assert "Åsa" not in iom_page and "Ebba" not in iom_page
    assert "1995-04-01" not in iom_page and "2019-06-03" not in iom_page


def test_consultation_with_consent_says_iom_will_see_names_and_birth_dates_and_it_does(
    stockholm_coordinator, iom_caseworker
):
    case = _case_with_a_child()
    add_consent(case, ConsentPurpose.IOM_FINLAND)
    promise = _page(stockholm_coordinator, "referrals:consultation", case)
    assert "not anonymous" in promise
    assert "names, dates of birth" in promise
    assert "no name, date of birth" not in promise

    _client(stockholm_coordinator).post(reverse("referrals:consultation", args=[case.uuid]))

    iom_page = _page(iom_caseworker, "referrals:case", case)
    assert "Åsa Öberg" in iom_page and "Ebba Öberg" in iom_page
    assert "1995-04-01" in iom_page and "2019-06-03" in iom_page


# Item 2: the referrer's note.


def test_coordinator_reads_the_referrers_note_with_who_referred_and_when(
    stockholm_coordinator, referrer
):
    case = make_case(referred_by=referrer, referral_note="Talar bara rumänska. Ring före tio.")
    page = _page(stockholm_coordinator, "referrals:case", case)
    assert "The referrer's note" in page
    assert "Talar bara rumänska. Ring före tio." in page
    assert referrer.display_name in page
    assert referrer.organisation.name in page
    assert case.created_at.strftime("%Y-%m-%d") in page


def test_iom_never_reads_the_referrers_note(stockholm_coordinator, iom_caseworker):
    case = make_case(referral_note="Talar bara rumänska.")
    add_consent(case, ConsentPurpose.IOM_FINLAND)
    services.share_for_consultation(case, by=stockholm_coordinator)
    assert "Talar bara rumänska." not in _page(iom_caseworker, "referrals:case", case)


# Item 24: the submit page.


def test_submit_page_lists_the_needs_without_a_trailing_semicolon(stockholm_coordinator):
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    Application.objects.filter(case=case).update(needs_travel_document=True, needs_escort=True)
    page = _page(stockholm_coordinator, "referrals:submit", case)
    assert "travel document, escort</dd>" in page
    assert ";" not in page.split("Needs</dt>")[1].split("</dd>")[0]


def test_high_risk_banner_links_to_the_risk_table(stockholm_coordinator):
    case = make_case(CaseState.PREPARING)
    make_risk_table(case, completed=True, rows=((4, 4),))
    page = _page(stockholm_coordinator, "referrals:submit", case)
    risk_url = reverse("risk:table", args=[case.uuid])
    assert f'<a href="{risk_url}">Read it before deciding or booking anything.</a>' in page
