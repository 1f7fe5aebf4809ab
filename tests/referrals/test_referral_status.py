"""A referrer's own referrals: the list, and each referral's status page, in the referrer's
words and no more than they may know."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ampcase.accounts.roles import Role
from ampcase.audit.models import AuditEvent
from referrals import services
from referrals.models import Case, CaseState
from tests.conftest import sign_in
from tests.factories import make_case, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(referrer):
    client = sign_in(Client(), referrer)
    client.cookies["django_language"] = "en"
    return client


def _status_page(client, case) -> str:
    response = client.get(reverse("referrals:referral", args=[case.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def test_my_referrals_links_each_referral_with_its_date_and_status(client, referrer):
    case = make_case(CaseState.SCREENING, referred_by=referrer)
    page = client.get(reverse("referrals:my-referrals")).content.decode()
    assert f'href="{reverse("referrals:referral", args=[case.uuid])}"' in page
    assert timezone.localtime(case.created_at).strftime("%Y-%m-%d") in page
    assert "Being assessed" in page


def test_my_referrals_lists_only_the_referrers_own(client, referrer):
    mine = make_case(referred_by=referrer)
    theirs = make_case()
    page = client.get(reverse("referrals:my-referrals")).content.decode()
    assert mine.reference in page and theirs.reference not in page


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (CaseState.REFERRED, "Received by the coordinator"),
        (CaseState.SCREENING, "Being assessed"),
        (CaseState.PREPARING, "Application being prepared"),
        (CaseState.SUBMITTED, "Application sent to IOM Finland"),
        (CaseState.APPROVED, "Decided: return approved"),
        (CaseState.REJECTED, "Decided: application rejected"),
        (CaseState.INELIGIBLE, "Decided: the programme cannot help"),
        (CaseState.WITHDRAWN, "Withdrawn"),
    ],
)
def test_the_status_page_says_where_the_referral_is_in_the_referrers_words(
    client, referrer, state, words
):
    case = make_case(state, referred_by=referrer)
    page = _status_page(client, case)
    assert f'<strong class="tag">{words}</strong>' in page
    assert "What happens next" in page


@pytest.mark.parametrize("state", [CaseState.IN_TRANSIT, CaseState.REINTEGRATION])
def test_the_referrer_is_not_told_when_the_person_travels(client, referrer, state):
    case = make_case(state, referred_by=referrer)
    page = _status_page(client, case)
    assert "Decided: return approved" in page
    assert "In transit" not in page and "Reintegration" not in page


def test_the_status_page_shows_no_personal_data_nor_the_reasons(
    client, referrer, stockholm_coordinator
):
    case = make_case(
        referred_by=referrer,
        given_name="Åsa",
        family_name="Öberg",
        date_of_birth=dt.date(1995, 4, 1),
    )
    services.withdraw_case(
        case, by=stockholm_coordinator, on=dt.date(2026, 11, 20), reason="Moved in with Kalle"
    )
    page = _status_page(client, case)
    assert "Withdrawn" in page and "2026-11-20" in page
    for private in ("Åsa", "Öberg", "1995", "Kalle", case.pseudonym):
        assert private not in page


def test_the_status_page_shows_what_the_referrer_wrote(client, referrer):
    case = make_case(referred_by=referrer, referral_note="Speaks Romanian, call after 17.")
    assert "Speaks Romanian, call after 17." in _status_page(client, case)


def test_an_application_sent_back_for_changes_reads_as_being_prepared(client, referrer):
    case = make_case(CaseState.SUBMITTED, referred_by=referrer)
    Case.objects.filter(pk=case.pk).update(state=CaseState.PREPARING)
    page = _status_page(client, Case.objects.get(pk=case.pk))
    assert '<strong class="tag">Application being prepared</strong>' in page
    assert "To come</span> Application sent to IOM Finland" in page


def test_another_referrers_referral_is_a_404_like_a_missing_one(referrer):
    case = make_case(referred_by=referrer)
    other_client = sign_in(Client(), make_user(Role.REFERRER))
    response = other_client.get(reverse("referrals:referral", args=[case.uuid]))
    missing = other_client.get(
        reverse("referrals:referral", args=["00000000-0000-4000-8000-000000000000"])
    )
    assert response.status_code == missing.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(case.pk)).exists()


def test_the_coordinator_of_the_case_gets_a_404_too(stockholm_coordinator, referrer):
    # The coordinator works on the case on its own page; this one is the referrer's.
    case = make_case(referred_by=referrer)
    client = sign_in(Client(), stockholm_coordinator)
    assert client.get(reverse("referrals:referral", args=[case.uuid])).status_code == 404


def test_reading_the_status_page_is_audited(client, referrer):
    case = make_case(referred_by=referrer)
    _status_page(client, case)
    event = AuditEvent.objects.get(action="referral.status_viewed")
    assert (event.actor, event.object_id) == (referrer, str(case.pk))


@pytest.mark.parametrize(
    ("state", "done"),
    [
        # Received, assessed, sent, decided: which are done, for every state the case may be in.
        (CaseState.REFERRED, [True, False, False, False]),
        (CaseState.SCREENING, [True, False, False, False]),
        (CaseState.PREPARING, [True, True, False, False]),
        (CaseState.SUBMITTED, [True, True, True, False]),
        (CaseState.APPROVED, [True, True, True, True]),
        (CaseState.IN_TRANSIT, [True, True, True, True]),
        (CaseState.REINTEGRATION, [True, True, True, True]),
        (CaseState.CLOSED, [True, True, True, True]),
        (CaseState.REJECTED, [True, True, True, True]),
        (CaseState.INELIGIBLE, [True, True, True]),
    ],
)
def test_the_steps_say_what_is_done_in_every_state(referrer, state, done):
    from referrals import progress

    case = make_case(state, referred_by=referrer)
    steps = progress.steps(case)
    assert [step.done for step in steps] == done
    if len(done) == 4:
        decided = progress.STAGES[state].words if done[-1] else "Decided"
        assert str(steps[-1].label) == str(decided)
