"""Reintegration support pages (every URL x every persona: test_support_matrix.py): the
approval with a fresh code,
the request form's refusals, the budget and the approvers' queue at any number of payments,
and the PDFs."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from referrals import services as case_services
from reintegration.models import Entitlement, Payment, PaymentState
from reintegration.services import support
from tests.conftest import sign_in
from tests.factories import make_arrived_case, sample_pdf

pytestmark = pytest.mark.django_db
P = PaymentState

SUPPORT_URLS = {
    "support",
    "support-plan",
    "child-share",
    "budget-pdf",
    "payment-new",
    "payment",
    "payment-change",
    "payment-receipt",
    "payment-voucher",
    "payment-approve",
    "payment-reject",
    "payment-disburse",
    "payment-reconcile",
    "payment-cancel",
    "approvals",
    "providers",
    "provider-new",
    "contract-new",
}
READ = {"support", "budget-pdf", "payment", "payment-voucher"}
WRITE = {"support-plan", "child-share", "payment-new", "payment-change"}
OFFICE = {"payment-receipt"}
# The steps, and the state of the matrix's payment each one fits.
STEPS = {
    "payment-approve": "requested",
    "payment-reject": "requested",
    "payment-cancel": "requested",
    "payment-disburse": "approved",
    "payment-reconcile": "disbursed",
}
READERS = {"stockholm_coordinator", "social_worker", "iom_caseworker", "iom_approver"}
READERS |= {"nigeria_office"}
SUPPORTERS = {"iom_caseworker", "nigeria_office"}


@pytest.fixture
def arrived(settings, tmp_path, stockholm_coordinator, social_worker):
    settings.DOCUMENT_ROOT = tmp_path
    case = make_arrived_case(children=1)
    case_services.assign_social_worker(case, by=stockholm_coordinator, social_worker=social_worker)
    return case


@pytest.fixture
def provider(iom_caseworker):
    return support.register_provider(by=iom_caseworker, country="NG", name="Clinic", kind="clinic")


@pytest.fixture
def payments(arrived, iom_caseworker, nigeria_office, iom_approver):
    """One payment in each state a step starts from: requested, approved, disbursed."""
    returnee = arrived.people.get(relation="returnee")

    def ask(month):
        return support.request_payment(
            arrived,
            by=iom_caseworker,
            beneficiary=returnee,
            category="subsistence",
            month=month,
            amount=Decimal("150"),
            payee="returnee",
            method="cash",
        )

    requested = ask(1)
    approved = support.approve_payment(ask(2), by=iom_approver)
    disbursed = support.disburse_payment(
        support.approve_payment(ask(3), by=iom_approver),
        by=nigeria_office,
        on=timezone.localdate(),
        reference="C-1",
        local_currency="NGN",
        local_amount=Decimal("232500"),
        exchange_rate=Decimal("1550"),
    )
    return {"requested": requested, "approved": approved, "disbursed": disbursed}


def test_a_step_on_a_payment_that_moved_on_says_what_it_is_now(arrived, payments, iom_approver):
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), iom_approver)
    url = reverse("reintegration:payment-approve", args=[arrived.uuid, payments["approved"].uuid])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "reintegration:payment", args=[arrived.uuid, payments["approved"].uuid]
    )


# Approval needs a fresh code.


def test_an_approval_with_an_old_code_asks_for_a_fresh_one_first(arrived, payments, iom_approver):
    client = sign_in(Client(), iom_approver)
    url = reverse("reintegration:payment-approve", args=[arrived.uuid, payments["requested"].uuid])
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:step-up"))
    payments["requested"].refresh_from_db()
    assert payments["requested"].state == P.REQUESTED


def test_an_approval_with_a_fresh_code_goes_through_under_a_new_session_key(
    arrived, payments, iom_approver
):
    client = sign_in(Client(), iom_approver)
    url = reverse("reintegration:payment-approve", args=[arrived.uuid, payments["requested"].uuid])
    before = client.session.session_key
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=4)):
        response = client.post(url)
    assert response.status_code == 302
    assert client.session.session_key != before
    payments["requested"].refresh_from_db()
    assert (payments["requested"].state, payments["requested"].decided_by) == (
        P.APPROVED,
        iom_approver,
    )


# The request form.


def _form(arrived, **fields):
    returnee = arrived.people.get(relation="returnee")
    return {
        "beneficiary": returnee.pk,
        "category": "medical",
        "amount": "100",
        "payee": "reimbursement",
        "method": "bank",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "1E3"}, "without an exponent"),
        ({"amount": "-100"}, "without a minus sign"),
        ({"amount": "100 EUR"}, "without a currency"),
        ({"amount": "400"}, "Only 300.00"),
        ({"payee": "returnee", "method": "cash"}, "paid to a provider, or reimbursed"),
        ({"category": "grant", "payee": "returnee", "method": "cash"}, "never in cash"),
    ],
)
def test_a_request_that_breaks_a_rule_is_refused_with_the_reason_and_nothing_stored(
    arrived, nigeria_office, fields, message
):
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), nigeria_office)
    before = Payment.objects.count()
    response = client.post(
        reverse("reintegration:payment-new", args=[arrived.uuid]), _form(arrived, **fields)
    )
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert 'class="error-summary"' in response.content.decode()
    assert Payment.objects.count() == before


def test_a_good_request_goes_to_the_payment_page(arrived, nigeria_office):
    client = sign_in(Client(), nigeria_office)
    response = client.post(
        reverse("reintegration:payment-new", args=[arrived.uuid]), _form(arrived, amount="99,50")
    )
    payment = Payment.objects.get()
    assert payment.amount == Decimal("99.50")
    assert response["Location"] == reverse(
        "reintegration:payment", args=[arrived.uuid, payment.uuid]
    )


# A constant number of queries, whatever the number of payments.


def _many_payments(case, by, count):
    """`count` small medical reimbursements waiting for approval, made directly."""
    returnee = case.people.get(relation="returnee")
    Payment.objects.bulk_create(
        Payment(
            case=case,
            beneficiary=returnee,
            category="medical",
            amount=Decimal("0.50"),
            payee="reimbursement",
            method="bank",
            requested_by=by,
        )
        for _ in range(count)
    )
    total = Decimal("0.50") * Payment.objects.filter(case=case, category="medical").count()
    Entitlement.objects.filter(case=case, category="medical").update(committed=total)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_budget_page_costs_the_same_for_10_or_500_payments(arrived, nigeria_office):
    client = sign_in(Client(), nigeria_office)
    url = reverse("reintegration:support", args=[arrived.uuid])
    _many_payments(arrived, nigeria_office, 10)
    few = _queries(client, url)
    _many_payments(arrived, nigeria_office, 490)
    assert Payment.objects.count() == 500
    assert _queries(client, url) == few


def test_the_approval_queue_costs_the_same_for_10_or_500_payments(
    arrived, nigeria_office, iom_approver
):
    client = sign_in(Client(), iom_approver)
    url = reverse("reintegration:approvals")
    _many_payments(arrived, nigeria_office, 10)
    few = _queries(client, url)
    _many_payments(arrived, nigeria_office, 490)
    assert _queries(client, url) == few


def test_the_approval_queue_shows_what_is_still_free_beside_each_request(
    arrived, payments, iom_approver
):
    page = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), iom_approver).get(
        reverse("reintegration:approvals")
    )
    rows = re.findall(r"<tr><td[^>]*><a href=.*?</tr>", page.content.decode(), re.S)
    (row,) = [row for row in rows if arrived.reference in row]
    # Subsistence: 900 entitled, three months of 150 asked for: 450 still free.
    assert "450.00" in row


# PDFs.


def _pdf_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize(
    ("language", "title", "local"),
    [("sv", "Budgetredovisning", "232500,00 NGN"), ("en", "Budget statement", "232500.00 NGN")],
)
def test_the_budget_statement_in_each_language(
    arrived, payments, nigeria_office, language, title, local
):
    client = sign_in(Client(), nigeria_office)
    response = client.get(
        reverse("reintegration:budget-pdf", args=[arrived.uuid]), {"lang": language}
    )
    text = _pdf_text(response)
    assert title in text
    assert local in text.replace("\n", " ")
    assert arrived.reference in text


def test_the_stored_voucher_is_downloaded_as_it_was_made(arrived, payments, nigeria_office):
    client = sign_in(Client(), nigeria_office)
    paid = payments["disbursed"]
    response = client.get(reverse("reintegration:payment-voucher", args=[arrived.uuid, paid.uuid]))
    text = _pdf_text(response)
    assert "Utbetalningsverifikat" in text and "Payment voucher" in text
    assert "C-1" in text
    assert response["Content-Disposition"].startswith("attachment")


def test_a_receipt_upload_then_reconciles(arrived, payments, nigeria_office):
    client = sign_in(Client(), nigeria_office)
    paid = payments["disbursed"]
    upload = reverse("reintegration:payment-receipt", args=[arrived.uuid, paid.uuid])
    with open_pdf() as pdf:
        assert client.post(upload, {"file": pdf}).status_code == 302
    response = client.post(
        reverse("reintegration:payment-reconcile", args=[arrived.uuid, paid.uuid])
    )
    assert response.status_code == 302
    paid.refresh_from_db()
    assert paid.state == P.RECONCILED


def open_pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = sample_pdf()
    return _Closing(SimpleUploadedFile("receipt.pdf", document.content, "application/pdf"))


class _Closing:
    def __init__(self, upload):
        self.upload = upload

    def __enter__(self):
        return self.upload

    def __exit__(self, *exc):
        self.upload.close()


def test_an_administrator_adds_a_programme_period_with_its_rates(admin_client_2fa):
    url = reverse("admin:reintegration_programmeperiod_add")
    assert admin_client_2fa.get(url).status_code == 200
    response = admin_client_2fa.post(
        url,
        {
            "name": "ÅMP 2031",
            "starts_on": "2031-01-01",
            "child_share": "0.50",
            "rates-TOTAL_FORMS": "1",
            "rates-INITIAL_FORMS": "0",
            "rates-0-category": "medical",
            "rates-0-amount": "350.00",
        },
    )
    assert response.status_code == 302
    period = support.ProgrammePeriod.on(dt.date(2031, 6, 1))
    assert list(period.rates.values_list("category", "amount")) == [("medical", Decimal("350.00"))]


def test_a_coordinator_has_no_rates_to_change(stockholm_coordinator):
    client = sign_in(Client(), stockholm_coordinator)
    url = reverse("admin:reintegration_programmeperiod_changelist")
    response = client.get(url, follow=True)
    assert response.status_code == 403
    assert response.redirect_chain[0][0].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"local_amount": "2E5"}, "local_amount", "without an exponent"),
        ({"local_amount": "232500 NGN"}, "local_amount", "the currency goes in its own field"),
        ({"exchange_rate": "1E3"}, "exchange_rate", "at most six decimals"),
        ({"exchange_rate": "0"}, "exchange_rate", "more than zero"),
        ({"local_currency": "US"}, "local_currency", "three-letter code"),
    ],
)
def test_a_disbursement_with_a_bad_figure_is_refused_and_nothing_changes(
    arrived, payments, nigeria_office, fields, field, message
):
    from reintegration.forms import DisbursementForm

    data = {
        "on": timezone.localdate().isoformat(),
        "reference": "C-2",
        "local_currency": "NGN",
        "local_amount": "232500",
        "exchange_rate": "1550",
        **fields,
    }
    with translation.override("en"):
        form = DisbursementForm(data)
        assert not form.is_valid()
        assert any(message in error for error in form.errors[field]), form.errors


def test_a_disbursement_with_a_comma_rate_is_read_as_a_decimal(arrived):
    from reintegration.forms import DisbursementForm

    form = DisbursementForm(
        {
            "on": timezone.localdate().isoformat(),
            "reference": "C-2",
            "local_currency": "ron",
            "local_amount": "690,00",
            "exchange_rate": "4,6",
        }
    )
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["exchange_rate"], form.cleaned_data["local_amount"]) == (
        Decimal("4.6"),
        Decimal("690.00"),
    )
    assert form.cleaned_data["local_currency"] == "RON"


def test_the_approval_queue_comes_in_pages_of_fifty_oldest_first(
    arrived, nigeria_office, iom_approver
):
    _many_payments(arrived, nigeria_office, 60)
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), iom_approver)
    first = client.get(reverse("reintegration:approvals")).content.decode()
    second = client.get(reverse("reintegration:approvals"), {"page": 2}).content.decode()
    rows = r"<tr><td[^>]*><a href="
    assert (len(re.findall(rows, first)), len(re.findall(rows, second))) == (50, 10)
    assert "60 payments wait for approval, oldest first." in first
