"""After arrival: IOM's office in Nigeria records two follow-up contacts of a returnee who
arrived seven months ago, the second reporting a threat, which reaches IOM Finland's home page;
the four other required contacts were made before, and the office records the baseline
reintegration check first. IOM Finland closes the case with its
outcome. axe-core checks every page state at 1280 and 390 pixels wide."""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from referrals.models import CaseState
from reintegration import question_sets
from reintegration.models import FollowUp
from reintegration.services import followup
from tests.browser.conftest import expect_path, journey_user
from tests.browser.test_case_journey import sign_in
from tests.browser.test_travel_journey import checked, expect_message, fresh_page
from tests.factories import make_arrived_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return page


def test_follow_up_to_closing(english, browser, live_server, tmp_path, settings):
    settings.DOCUMENT_ROOT = tmp_path
    office_user = journey_user("ngozi")
    caseworker = journey_user("aino")
    case = make_arrived_case(arrived_on=dt.date.today() - dt.timedelta(days=215))
    for contact in FollowUp.objects.filter(case=case, month__gt=2):
        followup.record_follow_up(
            contact,
            by=office_user,
            done_on=contact.due_on,
            how="phone",
            housing="",
            health="",
            income="",
            safety="",
            threat=False,
            support_received="",
            notes="",
        )
    page_path = reverse("reintegration:follow-up", args=[case.uuid])

    # The office: from its home page to the case's follow-up, two contacts to record.
    office = english
    sign_in(office, office_user)
    checked(office)
    office.get_by_role("region", name="Follow-ups overdue").get_by_role(
        "link", name=case.reference
    ).click()
    office.get_by_role("link", name="Follow-up after arrival").click()
    expect_path(office, page_path)
    expect(
        office.get_by_role("img", name="The two years after arrival, month by month")
    ).to_be_visible()
    checked(office)
    # The baseline reintegration check, on the interim questions.
    office.get_by_role("link", name="Record the baseline reintegration check").click()
    checked(office)
    office.get_by_label("Date of the check", exact=True).fill(
        case.support_plan.arrived_on.isoformat()
    )
    for question in question_sets.parse(question_sets.read(question_sets.INTERIM)).questions:
        office.get_by_role("group", name=question.text["en"]).get_by_label("Partly").check()
    office.get_by_role("button", name="Save the check").click()
    expect_path(office, page_path)
    expect_message(office, "The reintegration check was recorded.")
    expect(office.get_by_role("region", name="Economic")).to_contain_text("Partly")
    for month, threat in ((1, False), (2, True)):
        office.get_by_role("link", name=f"Record month {month}").click()
        checked(office)
        due = FollowUp.objects.get(case=case, month=month).due_on
        office.get_by_label("Date of the contact", exact=True).fill(due.isoformat())
        office.get_by_role("group", name="How").get_by_label("Home visit").check()
        office.get_by_label("Housing", exact=True).fill("Shares a room with a cousin.")
        if threat:
            office.get_by_label("Safety", exact=True).fill(
                "A recruiter asked for her at the market."
            )
            office.get_by_label("Signs of renewed exploitation, or threats", exact=True).check()
        office.get_by_role("button", name="Save the follow-up").click()
        expect_path(office, page_path)
        expect_message(office, "The follow-up was recorded.")
    expect(office.locator("main")).to_contain_text("A recruiter asked for her at the market.")
    checked(office)

    # IOM Finland: the threat on its home page; the case closed with its outcome.
    iom = fresh_page(browser, live_server)
    sign_in(iom, caseworker)
    threats = iom.get_by_role(
        "region", name="Threats reported after arrival: review the risk table"
    )
    threats.get_by_role("link", name=case.reference).click()
    expect_path(iom, reverse("referrals:case", args=[case.uuid]))
    checked(iom)
    iom.get_by_role("link", name="Close the case").click()
    checked(iom)
    iom.get_by_role("button", name="Close the case").click()
    expect(iom.locator(".error-summary")).to_contain_text("Choose the outcome.")
    checked(iom)
    iom.get_by_role("group", name="Outcome").get_by_label("Reintegration completed").check()
    iom.get_by_label("Note on the outcome", exact=True).fill("Works in a salon in Benin City.")
    iom.get_by_role("button", name="Close the case").click()
    expect_message(iom, "The case was closed.")
    expect(iom.locator("main dl.summary").first).to_contain_text("Reintegration completed")
    checked(iom)
    case.refresh_from_db()
    assert (case.state, case.outcome) == (CaseState.CLOSED, "completed")
    iom.context.close()
