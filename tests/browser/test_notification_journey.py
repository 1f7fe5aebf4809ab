"""The hand-off without a phone call: a coordinator submits; IOM Finland's caseworker sees the
bell, opens the notification and decides; the coordinator sees the decision's notification.
axe-core checks every page on the way, at a desktop's width and a phone's."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ampcase.accounts.roles import Role
from referrals import services
from referrals.models import CaseState
from tests.browser.conftest import PHONE, check_accessibility, expect_path, journey_user
from tests.browser.test_case_journey import sign_in, sign_out
from tests.factories import coordination_office, make_case, make_ready_to_submit, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return page


def test_submission_reaches_iom_through_the_bell_and_the_decision_comes_back(english):
    page = english
    coordinator = make_user(
        Role.REGION_COORDINATOR, username="karin", organisation=coordination_office()
    )
    caseworker = journey_user("aino")
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    services.submit_case(case, by=coordinator)

    sign_in(page, caseworker)
    bell = page.get_by_role("link", name="Notifications, 1 unread")
    expect(bell).to_be_visible()
    bell.click()
    expect_path(page, reverse("notifications:list"))
    check_accessibility(page)
    page.get_by_role("link", name="Submitted to IOM Finland").click()
    expect_path(page, reverse("referrals:case", args=[case.uuid]))
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()
    page.get_by_role("link", name="Approve").click()
    page.get_by_role("button", name="Approve the return").click()
    expect_path(page, reverse("referrals:case", args=[case.uuid]))
    sign_out(page)

    sign_in(page, coordinator)
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="Notifications, 1 unread").click()
    row = page.get_by_role("row").filter(has_text=case.reference)
    expect(row.get_by_role("link", name="Return approved")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="E-mail settings").click()
    check_accessibility(page)
    page.get_by_label("One e-mail a day with the day's events").check()
    page.get_by_label("English").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your e-mail settings are saved.")).to_be_visible()
