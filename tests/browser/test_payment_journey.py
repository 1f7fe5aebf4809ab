"""A payment of reintegration support from request to reconciliation: IOM's office in Nigeria
asks for a month of subsistence; an IOM Finland approver, whose last code is more than five
minutes old, gives a fresh one and approves; the office pays it out, uploads the receipt and
reconciles. axe-core checks every page state, at 1280 and at 390 pixels wide."""

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from reintegration.models import Payment, PaymentState
from tests.browser.conftest import expect_path, journey_user
from tests.browser.test_case_journey import sign_in
from tests.browser.test_travel_journey import checked, expect_message, fresh_page
from tests.factories import (
    StaticDeviceFactory,
    StaticTokenFactory,
    make_arrived_case,
    sample_pdf,
)

pytestmark = pytest.mark.django_db(transaction=True)


def make_code_old(page) -> None:
    """The approver's last code was given ten minutes ago (the session says so)."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=cookie["value"])
    session["verified_at"] = time.time() - 600
    session.save()


def test_a_payment_from_request_to_reconciliation(
    english, browser, live_server, tmp_path, settings
):
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    office_user = journey_user("ngozi")
    approver = journey_user("mikko")
    backup = StaticTokenFactory(device=StaticDeviceFactory(user=approver), token="stepup42")
    case = make_arrived_case()
    support_path = reverse("reintegration:support", args=[case.uuid])

    # The office: from the case to its budget, and a request for the first month.
    office = english
    sign_in(office, office_user)
    office.goto(reverse("referrals:case", args=[case.uuid]))
    office.get_by_role("link", name="Reintegration plan and budget").click()
    expect_path(office, support_path)
    checked(office)
    office.get_by_role("link", name="Ask for a payment").click()
    expect_path(office, reverse("reintegration:payment-new", args=[case.uuid]))
    checked(office)
    office.get_by_role("group", name="Category").get_by_label("Monthly subsistence").check()
    office.get_by_label("Month after arrival", exact=True).select_option("1")
    # A typing slip first: refused, with the reason, and nothing kept.
    office.get_by_label("Amount (USD)", exact=True).fill("1 500")
    office.get_by_role("group", name="Paid to").get_by_label("The returnee").check()
    office.get_by_role("group", name="Method").get_by_label("Cash at the IOM office").check()
    office.get_by_role("button", name="Send for approval").click()
    expect(office.locator(".error-summary")).to_contain_text("without spaces")
    checked(office)
    assert not Payment.objects.exists()
    office.get_by_label("Amount (USD)", exact=True).fill("150")
    office.get_by_role("button", name="Send for approval").click()
    expect_message(office, "The payment was sent to IOM Finland for approval.")
    payment = Payment.objects.get()
    payment_path = reverse("reintegration:payment", args=[case.uuid, payment.uuid])
    expect_path(office, payment_path)
    checked(office)

    # IOM Finland's approver: the queue, then the approval, after a fresh code.
    approving = fresh_page(browser, live_server)
    sign_in(approving, approver)
    approving.get_by_role("link", name="Payments to approve").first.click()
    expect_path(approving, reverse("reintegration:approvals"))
    checked(approving)
    approving.get_by_role("link", name=case.reference).click()
    expect_path(approving, payment_path)
    checked(approving)
    make_code_old(approving)
    approving.get_by_role("link", name="Approve", exact=True).click()
    expect_path(approving, reverse("accounts:step-up"))
    checked(approving)
    approving.get_by_role("link", name="Use a backup code instead").click()
    approving.get_by_label("Backup code", exact=True).fill(backup.token)
    approving.get_by_role("button", name="Confirm").click()
    approve_path = reverse("reintegration:payment-approve", args=[case.uuid, payment.uuid])
    expect_path(approving, approve_path)
    checked(approving)
    approving.get_by_role("button", name="Approve the payment").click()
    expect_path(approving, payment_path)
    expect_message(approving, "The payment was approved.")
    payment.refresh_from_db()
    assert (payment.state, payment.decided_by) == (PaymentState.APPROVED, approver)

    # The office pays it out, keeps the receipt and reconciles.
    office.reload()
    office.get_by_role("link", name="Record the disbursement").click()
    checked(office)
    office.get_by_label("Paid on", exact=True).fill(timezone.localdate().isoformat())
    office.get_by_label("Reference", exact=True).fill("CASH-0001")
    office.get_by_label("Local currency", exact=True).fill("NGN")
    office.get_by_label("Amount paid in local currency", exact=True).fill("232500")
    office.get_by_label("Exchange rate used (local currency per USD)", exact=True).fill("1550")
    office.get_by_role("button", name="Record the disbursement").click()
    expect_path(office, payment_path)
    expect_message(office, "The disbursement was recorded.")
    expect(office.get_by_role("link", name="Download (PDF)")).to_be_visible()
    checked(office)
    office.get_by_role("link", name="Upload the receipt or invoice").click()
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(sample_pdf().content)
    office.get_by_label("Receipt or invoice", exact=True).set_input_files(str(receipt))
    office.get_by_role("button", name="Upload").click()
    expect_message(office, "The receipt was kept.")
    office.get_by_role("link", name="Reconcile", exact=True).click()
    checked(office)
    office.get_by_role("button", name="Reconcile the payment").click()
    expect_message(office, "The payment was reconciled.")
    checked(office)
    payment.refresh_from_db()
    assert payment.state == PaymentState.RECONCILED
    approving.context.close()


@pytest.fixture
def english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return page
