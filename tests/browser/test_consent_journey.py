"""A coordinator records one decision of the person for two purposes at once, after being
told that the decision itself must be chosen (issue 11, item 13)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ampcase.accounts.roles import Role
from referrals.models import CaseState, Consent
from tests.browser.conftest import check_accessibility
from tests.browser.test_case_journey import english, sign_in  # noqa: F401 (a fixture)
from tests.factories import coordination_office, make_case, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_coordinator_records_consent_for_two_purposes(english):  # noqa: F811
    page = english
    coordinator = make_user(
        Role.REGION_COORDINATOR, username="karin", organisation=coordination_office()
    )
    case = make_case(CaseState.SCREENING)
    before = Consent.objects.filter(case=case).count()

    sign_in(page, coordinator)
    page.goto(reverse("referrals:consent", args=[case.uuid]))
    check_accessibility(page)
    decision = page.get_by_role("group", name="The person's decision")
    expect(decision.get_by_label("Consent given", exact=True)).not_to_be_checked()
    expect(decision.get_by_label("Consent withdrawn", exact=True)).not_to_be_checked()

    page.get_by_label("Share with IOM Finland", exact=True).check()
    page.get_by_label("Share with the IOM office in the destination country", exact=True).check()
    page.get_by_label("Date", exact=True).fill("2026-11-21")
    page.get_by_label("Written, signed", exact=True).check()
    page.get_by_role("button", name="Record").click()

    # No decision chosen: the summary names the field and links to it; nothing is saved.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(
        "The person's decision: Choose whether consent was given or withdrawn."
    )
    check_accessibility(page)
    assert Consent.objects.filter(case=case).count() == before
    summary.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"#id_given$"))
    # What was filled in stays.
    expect(page.get_by_label("Share with IOM Finland", exact=True)).to_be_checked()

    decision.get_by_label("Consent given", exact=True).check()
    page.get_by_role("button", name="Record").click()
    # The browser keeps the summary link's #fragment across the redirect.
    case_page = reverse("referrals:case", args=[case.uuid])
    expect(page).to_have_url(re.compile(rf"{re.escape(case_page)}(#id_given)?$"))
    expect(page.get_by_role("status")).to_contain_text("The consent was recorded.")

    entries = Consent.objects.filter(case=case).order_by("id")[before:]
    assert [(entry.purpose, entry.given) for entry in entries] == [
        ("iom_finland", True),
        ("iom_destination", True),
    ]
