"""Every case URL × every persona × a case in and out of their scope: redirect to login,
404 (not theirs: looks exactly like a missing case), 403 (theirs to see, not to do), 405 (a
POST-only action asked with GET) or 200. A referrals URL missing from the matrix fails."""

import uuid

import pytest
from django.test import Client, override_settings
from django.urls import get_resolver, reverse

from referrals import services
from referrals.models import CaseState
from tests.conftest import PERSONAS, make_personas, sign_in
from tests.factories import make_case, make_ready_to_submit, sample_pdf

pytestmark = pytest.mark.django_db

CASE_PAGES = {"case"}
WORK_PAGES = {
    "eligibility",
    "consent",
    "application",
    "submit",
    "consultation",
    "assign",
    "transfer",
    "withdraw",
    "document-upload",
    "child-new",
    "person",
}
DOCUMENT_PAGES = {"document", "application-pdf"}
DECIDE_PAGES = {"approve", "request-changes", "reject"}
# Closing and reopening fit a case in reintegration (or closed), reopening the screening a
# case found not eligible: neither case here is.
ENDING_PAGES = {"close", "reopen", "reconsider"}
POST_ONLY = {"start-screening"}
# A referral's status page is its referrer's alone: nobody here made these referrals (the
# referrer persona's own referrals are tried in tests/referrals/test_referral_status.py).
STATUS_PAGES = {"referral"}
ONE_CASE_PAGES = (
    CASE_PAGES
    | WORK_PAGES
    | DECIDE_PAGES
    | ENDING_PAGES
    | POST_ONLY
    | DOCUMENT_PAGES
    | STATUS_PAGES
)
LIST_PAGES = {"cases": "all", "my-referrals": "all", "referral-new": "referring"}
NO_SUCH_CASE = uuid.UUID("0b5e6f0c-3a1d-4c2e-9f7b-8d6a5c4b3a21")


def test_matrix_covers_every_referrals_url():
    _prefix, resolver = get_resolver().namespace_dict["referrals"]
    referral_urls = {name for name in resolver.reverse_dict if isinstance(name, str)}
    assert referral_urls == ONE_CASE_PAGES | set(LIST_PAGES)


@pytest.fixture(scope="module")
def matrix(module_transaction, django_db_blocker, tmp_path_factory):
    """Everyone in PERSONAS; a case being prepared (social worker assigned) and a submitted
    one, both Stockholm, each with a stored document. Made once for the module (see
    `module_transaction`: each test's changes are rolled back before the next)."""
    with override_settings(DOCUMENT_ROOT=tmp_path_factory.mktemp("documents")):
        with django_db_blocker.unblock():
            people = make_personas()
            coordinator = people["stockholm_coordinator"]
            preparing = make_ready_to_submit(make_case(CaseState.PREPARING))
            services.assign_social_worker(
                preparing, by=coordinator, social_worker=people["social_worker"]
            )
            submitted = make_ready_to_submit(make_case(CaseState.SUBMITTED))
            for case in (preparing, submitted):
                services.add_document(case, by=coordinator, kind="other", document=sample_pdf())
        yield {
            "people": {name: user.pk for name, user in people.items()},
            "cases": {"preparing": preparing.pk, "submitted": submitted.pk},
        }


def _url(name, case):
    if name == "person":
        return reverse(f"referrals:{name}", args=[case.uuid, case.people.get().uuid])
    if name == "document":
        document = case.documents.filter(kind="other").get()
        return reverse(f"referrals:{name}", args=[case.uuid, document.uuid])
    return reverse(f"referrals:{name}", args=[case.uuid])


def _visible(persona: str, kind: str) -> bool:
    return {
        "stockholm_coordinator": True,
        "social_worker": kind == "preparing",
        "iom_caseworker": kind == "submitted",
        "iom_approver": kind == "submitted",
    }.get(persona, False)


def _expected(persona: str, kind: str, name: str) -> int:
    if name in POST_ONLY:
        return 405
    if name in STATUS_PAGES:
        return 404
    if not _visible(persona, kind):
        return 404
    if name in CASE_PAGES | DOCUMENT_PAGES:
        return 200
    if name in WORK_PAGES:
        return 200 if persona == "stockholm_coordinator" else 403
    if name in ENDING_PAGES:
        return 302  # the case page says what the case is now
    if name in DECIDE_PAGES:
        if kind != "submitted":
            return 302  # the case page says the case is not (or no longer) submitted
        return 200 if persona == "iom_caseworker" else 403
    raise AssertionError(name)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("kind", ["preparing", "submitted"])
def test_case_pages(people, cases, persona, kind):
    client = sign_in(Client(), people[persona])
    case = cases[kind]
    for name in sorted(ONE_CASE_PAGES):
        response = client.get(_url(name, case))
        assert response.status_code == _expected(persona, kind, name), (persona, kind, name)


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_pages(people, persona):
    user = people[persona]
    client = sign_in(Client(), user)
    for name, who in LIST_PAGES.items():
        expected = 200
        if who == "referring" and persona not in {
            "stockholm_coordinator",
            "syd_coordinator",
            "referrer",
        }:
            expected = 403
        assert client.get(reverse(f"referrals:{name}")).status_code == expected, (persona, name)


@pytest.mark.parametrize(
    "name",
    sorted(ONE_CASE_PAGES),
)
def test_anonymous_is_sent_to_login(client, name):
    # The middleware sends an anonymous visitor to the login page before any view runs (and
    # before any case is looked up): a made-up case needs no data.
    ids = [NO_SUCH_CASE, NO_SUCH_CASE] if name in {"person", "document"} else [NO_SUCH_CASE]
    response = client.get(reverse(f"referrals:{name}", args=ids))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_regions_coordinator_can_start_screening(people, persona):
    case = make_case(CaseState.REFERRED)
    client = sign_in(Client(), people[persona])
    response = client.post(reverse("referrals:start-screening", args=[case.uuid]))
    case.refresh_from_db()
    if persona == "stockholm_coordinator":
        assert response.status_code == 302
        assert case.state == CaseState.SCREENING
    else:
        assert response.status_code == 404
        assert case.state == CaseState.REFERRED


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_iom_caseworker_can_approve(people, cases, persona):
    case = cases["submitted"]
    client = sign_in(Client(), people[persona])
    response = client.post(reverse("referrals:approve", args=[case.uuid]), {"reason": ""})
    case.refresh_from_db()
    if persona == "iom_caseworker":
        assert response.status_code == 302
        assert case.state == CaseState.APPROVED
    else:
        assert response.status_code == _expected(persona, "submitted", "approve")
        assert case.state == CaseState.SUBMITTED


# The statistics app: a role, not a case, decides. The dashboard and its tables are the
# national coordinator's, IOM Finland's and the region coordinators' (their own region); the
# HTCDS file IOM Finland's alone.
DASHBOARD_VIEWERS = {
    "stockholm_coordinator",
    "syd_coordinator",
    "iom_caseworker",
    "national_coordinator",
}
STATISTICS_PAGES = {
    "htcds-export": ({}, {"iom_caseworker", "iom_approver"}),
    "dashboard": ({}, DASHBOARD_VIEWERS),
    "table": ({"key": "country", "file_format": "csv"}, DASHBOARD_VIEWERS),
}


def test_matrix_covers_every_statistics_url():
    _prefix, resolver = get_resolver().namespace_dict["statistics"]
    names = {name for name in resolver.reverse_dict if isinstance(name, str)}
    assert names == set(STATISTICS_PAGES)


@pytest.mark.parametrize("persona", PERSONAS)
def test_statistics_pages(people, persona):
    client = sign_in(Client(), people[persona])
    for name, (kwargs, allowed) in STATISTICS_PAGES.items():
        expected = 200 if persona in allowed else 403
        response = client.get(reverse(f"statistics:{name}", kwargs=kwargs))
        assert response.status_code == expected, (persona, name)


@pytest.mark.parametrize("name", sorted(STATISTICS_PAGES))
def test_anonymous_is_sent_to_login_from_statistics(client, name):
    response = client.get(reverse(f"statistics:{name}", kwargs=STATISTICS_PAGES[name][0]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
