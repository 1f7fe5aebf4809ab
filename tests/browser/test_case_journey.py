"""A coordinator takes a referral through consent, screening and the application to a
submission; IOM Finland's caseworker approves it. axe-core checks every page on the way."""

import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfWriter

from ampcase.accounts.roles import Role
from referrals.models import Case, CaseState
from tests.browser.conftest import check_accessibility, expect_path
from tests.conftest import current_code
from tests.factories import PASSWORD, TOTPDeviceFactory, coordination_office, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return page


def sign_in(page, user) -> None:
    device = TOTPDeviceFactory(user=user)
    page.goto(reverse("accounts:login"))
    page.get_by_label("User name", exact=True).fill(user.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect_path(page, reverse("accounts:verify"))
    page.get_by_label("Code from your authenticator app", exact=True).fill(current_code(device))
    page.get_by_role("button", name="Sign in").click()
    expect_path(page, reverse("home"))


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect_path(page, reverse("accounts:login"))


def fill_risk(page) -> None:
    page.get_by_label("In the home country", exact=True).check()
    page.get_by_label("Kind of threat", exact=True).select_option("traffickers")
    page.get_by_label("The risk", exact=True).fill("Återrekrytering av samma nätverk.")
    page.get_by_role("group", name="Likelihood").get_by_label("Likely", exact=True).check()
    page.get_by_role("group", name="Impact").get_by_label("Severe", exact=True).check()
    page.get_by_label("Measures to reduce the risk", exact=True).fill("Mottagning på flygplatsen.")
    page.get_by_label("Who is responsible", exact=True).fill("IOM Nigeria")


def signed_pdf(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "signed-application.pdf"
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_referral_to_joint_decision(english, settings, tmp_path):
    page = english
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    coordinator = make_user(
        Role.REGION_COORDINATOR, username="karin", organisation=coordination_office()
    )
    caseworker = make_user(Role.IOM_CASEWORKER, username="aino")

    sign_in(page, coordinator)
    check_accessibility(page)

    # Log the referral (the coordinator took the first phone call).
    page.get_by_role("link", name="Cases").click()
    check_accessibility(page)
    page.goto(reverse("referrals:referral-new"))
    page.get_by_label("Region", exact=True).select_option(label="Stockholm")
    page.get_by_label("Given name", exact=True).fill("Åsa")
    page.get_by_label("Family name", exact=True).fill("Öberg")
    page.get_by_label("Date of birth", exact=True).fill("1995-04-01")
    page.get_by_label("Nationality", exact=True).select_option("RO")
    page.get_by_label("Date of consent", exact=True).fill("2026-11-20")
    page.get_by_label("How was consent given?", exact=True).select_option("written")
    page.get_by_role("button", name="Send the referral").click()
    # Missing consent tick: the error summary links to the field, nothing is saved.
    expect(page.get_by_role("alert")).to_be_visible()
    check_accessibility(page)
    assert not Case.objects.exists()
    page.get_by_label(
        "The person consents to their details being shared with the region coordinator.", exact=True
    ).check()
    page.get_by_role("button", name="Send the referral").click()

    case = Case.objects.get()
    expect_path(page, reverse("referrals:case", args=[case.uuid]))
    check_accessibility(page)

    page.get_by_role("button", name="Start screening").click()
    expect_path(page, reverse("referrals:case", args=[case.uuid]))

    page.get_by_role("link", name="Record consent").click()
    check_accessibility(page)
    page.get_by_label("Share with IOM Finland", exact=True).check()
    page.get_by_label("Consent given", exact=True).check()
    page.get_by_label("Date", exact=True).fill("2026-11-21")
    page.get_by_label("Written, signed", exact=True).check()
    page.get_by_label("Interpreter", exact=True).fill("Ana Tolk (rumänska)")
    page.get_by_role("button", name="Record").click()
    expect_path(page, reverse("referrals:case", args=[case.uuid]))

    page.get_by_role("link", name="Screen eligibility").click()
    check_accessibility(page)
    page.get_by_label("Presumed or suspected victim of trafficking", exact=True).check()
    page.get_by_label("Forced labour", exact=True).check()
    page.get_by_label("The person wants to return voluntarily", exact=True).check()
    page.get_by_label("Country of origin", exact=True).check()
    page.get_by_role("button", name="Save the screening").click()
    expect_path(page, reverse("referrals:case", args=[case.uuid]))
    check_accessibility(page)

    page.get_by_role("link", name="Fill in the application").click()
    check_accessibility(page)
    page.get_by_label("Destination country", exact=True).select_option("RO")
    page.get_by_label("Country of origin", exact=True).check()
    page.get_by_label("Needs a travel document", exact=True).check()
    page.get_by_label("Authorised interpreter", exact=True).fill("Ana Tolk (rumänska)")
    page.get_by_label("The returnee signed the written voluntary declaration", exact=True).check()
    page.get_by_label("Declaration signed on", exact=True).fill("2026-11-22")
    page.get_by_role("button", name="Save the application").click()
    expect_path(page, reverse("referrals:case", args=[case.uuid]))

    page.get_by_role("link", name="Upload a document").click()
    check_accessibility(page)
    page.get_by_label("Kind of document", exact=True).select_option("signed_application")
    page.get_by_label("File", exact=True).set_input_files(signed_pdf(tmp_path))
    page.get_by_role("button", name="Upload").click()
    expect_path(page, reverse("referrals:case", args=[case.uuid]))

    # The risk table: one risk, then completed and signed.
    page.get_by_role("link", name="Risk table and children's assessments").click()
    check_accessibility(page)
    page.get_by_role("link", name="Add a risk").click()
    fill_risk(page)
    check_accessibility(page)
    page.get_by_role("button", name="Save the risk").click()
    expect_path(page, reverse("risk:table", args=[case.uuid]))
    page.get_by_role("link", name="Complete and sign").click()
    page.get_by_role("button", name="Complete and sign").click()
    expect_path(page, reverse("risk:table", args=[case.uuid]))
    check_accessibility(page)
    page.goto(reverse("referrals:case", args=[case.uuid]))

    page.get_by_role("link", name="Check and submit to IOM Finland").click()
    check_accessibility(page)
    page.get_by_role("button", name="Submit to IOM Finland").click()
    expect_path(page, reverse("referrals:case", args=[case.uuid]))
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    sign_out(page)

    sign_in(page, caseworker)
    page.goto(reverse("referrals:cases"))
    page.get_by_role("link", name=case.reference).click()
    check_accessibility(page)
    assert "Åsa Öberg" in page.content()  # consent to share with IOM Finland holds
    # Likely x severe: the overall level is high, and shown before anyone decides.
    expect(page.get_by_role("note").filter(has_text="High risk")).to_be_visible()
    page.get_by_role("link", name="Approve").click()
    expect(page.get_by_role("note").filter(has_text="High risk")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Approve the return").click()
    expect_path(page, reverse("referrals:case", args=[case.uuid]))
    check_accessibility(page)
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    decision = page.locator("#decision-title + ul").inner_text()
    assert "Approved" in decision and "IOM Finland" in decision
