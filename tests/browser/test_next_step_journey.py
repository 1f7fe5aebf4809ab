"""A coordinator opens a case in preparation: the next step comes first, and each task still to
do on the checklist leads to the form where it is done (issue 11, item 12)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ampcase.accounts.roles import Role
from referrals.models import CaseState, EligibilityAssessment
from tests.browser.conftest import check_accessibility, expect_path
from tests.browser.test_case_journey import sign_in
from tests.factories import coordination_office, make_case, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return page


def _chosen_by_the_server(page, value: str) -> bool:
    """The page came with `value` chosen (not merely the browser's first option)."""
    element = page.locator(f'main [value="{value}"]')
    return element.evaluate("e => e.hasAttribute('selected') || e.hasAttribute('checked')")


def test_case_in_preparation_shows_the_next_step_first_and_tasks_lead_to_their_forms(english):
    page = english
    coordinator = make_user(
        Role.REGION_COORDINATOR, username="karin", organisation=coordination_office()
    )
    case = make_case(CaseState.PREPARING)
    EligibilityAssessment.objects.create(
        case=case,
        basis=EligibilityAssessment.Basis.TRAFFICKING_PRESUMED,
        wants_voluntary_return=True,
        destination=EligibilityAssessment.Destination.ORIGIN,
        assessed_by=case.referred_by,
    )
    case_url = reverse("referrals:case", args=[case.uuid])

    sign_in(page, coordinator)
    page.goto(case_url)
    check_accessibility(page)

    # The first thing under "What you can do now" is the one primary button: the first task
    # still to do (consent to share with IOM Finland); the rest are plain links after it.
    actions = page.get_by_role("region", name="What you can do now")
    first = actions.get_by_role("link").first
    expect(first).to_have_text("Record the consent to share with IOM Finland")
    expect(first).to_have_class("button")
    expect(actions.locator("a.button")).to_have_count(1)
    expect(actions.get_by_role("link", name="Upload a document")).to_be_visible()

    # The checklist's task to do links to its form, with the purpose it needs chosen.
    tasks = page.get_by_role("region", name="Before submission")
    tasks.get_by_role("link", name="Consent to share with IOM Finland").click()
    expect_path(page, reverse("referrals:consent", args=[case.uuid]))
    assert _chosen_by_the_server(page, "iom_finland")
    check_accessibility(page)

    # Another task: the upload of the signed application, with its kind chosen.
    page.goto(case_url)
    tasks.get_by_role("link", name="Signed application uploaded").click()
    expect_path(page, reverse("referrals:document-upload", args=[case.uuid]))
    expect(page.get_by_label("Kind of document", exact=True)).to_have_value("signed_application")
    assert _chosen_by_the_server(page, "signed_application")
