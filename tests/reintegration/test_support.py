"""Reintegration support: the budget each beneficiary is entitled to, and payments that follow
the programme's rules, approved by someone other than the requester and disbursed by someone
other than the approver (DESIGN.md section 7)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from ampcase.audit.models import AuditEvent
from referrals import services as case_services
from referrals.models import CaseEvent, CaseState, Document, Person
from reintegration.models import (
    Category,
    ChildShare,
    Contract,
    Entitlement,
    Payment,
    PaymentState,
    ProgrammePeriod,
    Rate,
)
from reintegration.services import support, travel
from tests.factories import (
    add_consent,
    make_arrived_case,
    make_case,
    make_ready_to_submit,
    make_travel_plan,
    programme_rates,
    sample_pdf,
)

pytestmark = pytest.mark.django_db
P = PaymentState


@pytest.fixture(autouse=True)
def _english_and_private_files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path
    with translation.override("en"):
        yield


def caps(case, person) -> dict:
    """Category -> the person's whole entitlement in it."""
    found: dict = {}
    for entitlement in Entitlement.objects.filter(case=case, beneficiary=person):
        found[entitlement.category] = found.get(entitlement.category, 0) + entitlement.cap
    return found


def returnee(case):
    return case.people.get(relation=Person.Relation.RETURNEE)


def child(case):
    return case.people.get(relation=Person.Relation.CHILD)


def subsistence(case, month=1, amount="150.00", **fields):
    return {
        "beneficiary": returnee(case),
        "category": Category.SUBSISTENCE,
        "month": month,
        "amount": Decimal(amount),
        "payee": "returnee",
        "method": "cash",
        **fields,
    }


def medical(case, amount="100.00", **fields):
    return {
        "beneficiary": returnee(case),
        "category": Category.MEDICAL,
        "amount": Decimal(amount),
        "payee": "reimbursement",
        "method": "bank",
        **fields,
    }


@pytest.fixture
def arrived():
    return make_arrived_case(children=1)


@pytest.fixture
def provider(iom_caseworker):
    clinic = support.register_provider(
        by=iom_caseworker, country="NG", name="Lagos Clinic", kind="clinic"
    )
    return clinic


@pytest.fixture
def contract(provider, iom_caseworker):
    return support.add_contract(
        provider,
        by=iom_caseworker,
        what="Vocational training as a hairdresser",
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        ends_on=timezone.localdate() + dt.timedelta(days=300),
        ceiling=Decimal("5000"),
    )


def grant(case, contract, amount="1000.00"):
    return {
        "beneficiary": returnee(case),
        "category": Category.GRANT,
        "amount": Decimal(amount),
        "payee": "provider",
        "method": "direct",
        "provider": contract.provider,
        "contract": contract,
    }


# The budget.


def test_the_arrival_opens_the_returnees_budget_at_the_programmes_rates(iom_caseworker):
    case = make_case(CaseState.IN_TRANSIT)
    add_consent(case)
    programme_rates()
    make_travel_plan(case, state="departed")
    travel.record_arrival(case, by=iom_caseworker, at=timezone.now())
    assert caps(case, returnee(case)) == {
        "subsistence": Decimal("900.00"),
        "grant": Decimal("2800.00"),
        "medical": Decimal("300.00"),
    }
    months = Entitlement.objects.filter(case=case, category=Category.SUBSISTENCE)
    assert sorted(months.values_list("month", "cap")) == [
        (m, Decimal("150.00")) for m in range(1, 7)
    ]
    assert case.support_plan.arrived_on == timezone.localdate()


def test_a_granted_child_gets_half_of_the_category_and_only_that_one(arrived, iom_caseworker):
    support.decide_child_share(
        arrived,
        by=iom_caseworker,
        child=child(arrived),
        category=Category.MEDICAL,
        granted=True,
        reason="Needs vaccinations.",
    )
    assert caps(arrived, child(arrived)) == {"medical": Decimal("150.00")}
    share = ChildShare.objects.get(child=child(arrived))
    assert (share.decided_by, share.reason) == (iom_caseworker, "Needs vaccinations.")


def test_a_granted_child_gets_half_of_every_month_of_subsistence(arrived, nigeria_office):
    support.decide_child_share(
        arrived,
        by=nigeria_office,
        child=child(arrived),
        category=Category.SUBSISTENCE,
        granted=True,
        reason="Lives with the mother.",
    )
    months = Entitlement.objects.filter(beneficiary=child(arrived))
    assert sorted(months.values_list("month", "cap")) == [
        (m, Decimal("75.00")) for m in range(1, 7)
    ]


def test_a_child_without_a_granted_share_gets_nothing(arrived, iom_caseworker):
    with pytest.raises(support.SupportError, match="grant the child's share"):
        support.request_payment(
            arrived, by=iom_caseworker, **medical(arrived, beneficiary=child(arrived))
        )
    assert not Payment.objects.exists()


def test_a_share_cannot_be_taken_back_below_what_is_committed(arrived, iom_caseworker):
    kid = child(arrived)
    decide = dict(child=kid, category=Category.MEDICAL, reason="x")
    support.decide_child_share(arrived, by=iom_caseworker, granted=True, **decide)
    support.request_payment(
        arrived, by=iom_caseworker, **medical(arrived, beneficiary=kid, amount="40")
    )
    with pytest.raises(support.SupportError, match="cancel them first"):
        support.decide_child_share(arrived, by=iom_caseworker, granted=False, **decide)
    assert caps(arrived, kid) == {"medical": Decimal("150.00")}


def test_a_case_takes_the_rates_of_the_period_it_arrived_in(iom_caseworker):
    programme_rates()
    new = ProgrammePeriod.objects.create(
        name="ÅMP 2030", starts_on=dt.date(2030, 1, 1), child_share=Decimal("0.40")
    )
    ProgrammePeriod.objects.filter(name="ÅMP").update(ends_on=dt.date(2029, 12, 31))
    Rate.objects.create(period=new, category="subsistence", amount=Decimal("200"), months=6)
    Rate.objects.create(period=new, category="grant", amount=Decimal("3000"))
    Rate.objects.create(period=new, category="medical", amount=Decimal("400"))
    before = make_arrived_case(arrived_on=dt.date(2029, 12, 31))
    after = make_arrived_case(arrived_on=dt.date(2030, 1, 1))
    assert caps(before, returnee(before))["subsistence"] == Decimal("900.00")
    assert caps(after, returnee(after))["subsistence"] == Decimal("1200.00")
    # A later change of the new period's rates leaves the case that arrived before alone.
    Rate.objects.filter(period=new, category="medical").update(amount=Decimal("500"))
    assert caps(before, returnee(before))["medical"] == Decimal("300.00")


def test_the_migration_seeds_the_programmes_rates():
    period = ProgrammePeriod.on(dt.date(2026, 12, 1))
    assert period.child_share == Decimal("0.50")
    assert sorted(period.rates.values_list("category", "amount", "months")) == [
        ("grant", Decimal("2800.00"), None),
        ("medical", Decimal("300.00"), None),
        ("subsistence", Decimal("150.00"), 6),
    ]


# Requests and the rules they follow.


def test_a_request_commits_its_amount_to_the_budget(arrived, nigeria_office):
    payment = support.request_payment(arrived, by=nigeria_office, **subsistence(arrived))
    assert (payment.state, payment.requested_by, payment.amount) == (
        P.REQUESTED,
        nigeria_office,
        Decimal("150.00"),
    )
    month = Entitlement.objects.get(beneficiary=returnee(arrived), month=1)
    assert (month.committed, month.free) == (Decimal("150.00"), Decimal("0.00"))
    event = AuditEvent.objects.get(action="payment.requested")
    assert event.summary == "subsistence 150.00"


def test_one_subsistence_payment_a_month(arrived, nigeria_office):
    support.request_payment(arrived, by=nigeria_office, **subsistence(arrived, amount="100"))
    with pytest.raises(support.SupportError, match="month 1 is already asked for"):
        support.request_payment(arrived, by=nigeria_office, **subsistence(arrived, amount="50"))


def test_subsistence_is_at_most_the_monthly_rate(arrived, nigeria_office):
    with pytest.raises(support.SupportError, match="Only 150.00"):
        support.request_payment(arrived, by=nigeria_office, **subsistence(arrived, amount="150.01"))
    assert Entitlement.objects.get(beneficiary=returnee(arrived), month=1).committed == 0


def test_subsistence_months_are_one_to_six(arrived, nigeria_office):
    with pytest.raises(support.SupportError, match="no such entitlement"):
        support.request_payment(arrived, by=nigeria_office, **subsistence(arrived, month=7))


def test_the_category_cap_holds_over_several_payments(arrived, nigeria_office):
    support.request_payment(arrived, by=nigeria_office, **medical(arrived, amount="200"))
    with pytest.raises(support.SupportError, match="Only 100.00"):
        support.request_payment(arrived, by=nigeria_office, **medical(arrived, amount="150"))
    support.request_payment(arrived, by=nigeria_office, **medical(arrived, amount="100"))
    assert Entitlement.objects.get(beneficiary=returnee(arrived), category="medical").free == 0


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"payee": "returnee", "method": "cash"}, "never in cash"),
        ({"contract": None}, "never in cash"),
        ({"method": "bank"}, "A provider is paid directly."),
    ],
)
def test_the_grant_goes_only_to_a_provider_under_contract(
    arrived, contract, nigeria_office, fields, problem
):
    asked = {**grant(arrived, contract), **fields}
    if asked["payee"] == "returnee":
        asked.update(provider=None, contract=None)
    with pytest.raises(support.SupportError) as refused:
        support.request_payment(arrived, by=nigeria_office, **asked)
    assert any(problem in text for text in refused.value.problems), refused.value.problems


def test_subsistence_goes_to_the_returnee_not_a_provider(arrived, provider, nigeria_office):
    asked = subsistence(arrived, payee="provider", method="direct", provider=provider)
    with pytest.raises(support.SupportError) as refused:
        support.request_payment(arrived, by=nigeria_office, **asked)
    assert refused.value.problems == [
        "Subsistence is paid to the returnee, in cash at the office or by bank."
    ]


def test_a_provider_of_another_country_is_refused(arrived, iom_caseworker):
    elsewhere = support.register_provider(
        by=iom_caseworker, country="RO", name="Spital", kind="clinic"
    )
    asked = medical(arrived, payee="provider", method="direct", provider=elsewhere)
    with pytest.raises(support.SupportError) as refused:
        support.request_payment(arrived, by=iom_caseworker, **asked)
    assert refused.value.problems == ["The provider is not in the case's destination country."]


def test_a_contract_never_commits_more_than_its_ceiling(arrived, contract, iom_caseworker):
    Contract.objects.filter(pk=contract.pk).update(ceiling=Decimal("1500"))
    support.request_payment(arrived, by=iom_caseworker, **grant(arrived, contract, "1000"))
    with pytest.raises(support.SupportError, match="Only 500.00"):
        support.request_payment(arrived, by=iom_caseworker, **grant(arrived, contract, "600"))


def test_a_case_not_yet_arrived_has_no_budget(iom_caseworker):
    case = make_ready_to_submit(make_case(CaseState.APPROVED))
    with pytest.raises(support.SupportError, match="Approved"):
        support.request_payment(case, by=iom_caseworker, **subsistence(case))


@pytest.mark.parametrize("persona", ["stockholm_coordinator", "social_worker", "iom_approver"])
def test_only_iom_finland_and_the_office_ask_for_payments(request, arrived, persona):
    who = request.getfixturevalue(persona)
    with pytest.raises(case_services.Denied):
        support.request_payment(arrived, by=who, **subsistence(arrived))
    assert not Payment.objects.exists()


# Four eyes.


@pytest.fixture
def requested(arrived, nigeria_office):
    return support.request_payment(arrived, by=nigeria_office, **medical(arrived))


def test_an_approver_approves_a_request(requested, iom_approver):
    payment = support.approve_payment(requested, by=iom_approver)
    assert (payment.state, payment.decided_by) == (P.APPROVED, iom_approver)
    assert CaseEvent.objects.filter(action="payment.approved", actor=iom_approver).exists()


def test_nobody_approves_their_own_request(arrived, iom_approver):
    # A request recorded as the approver's own (as if they had asked for it).
    own = Payment.objects.create(case=arrived, requested_by=iom_approver, **medical(arrived))
    with pytest.raises(case_services.Denied):
        support.approve_payment(own, by=iom_approver)
    own.refresh_from_db()
    assert own.state == P.REQUESTED


def test_the_database_refuses_an_approval_by_the_requester(requested):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reintegration_payment SET state = 'approved', decided_by_id = requested_by_id"
            " WHERE id = %s",
            [requested.pk],
        )


def test_the_database_refuses_a_disbursement_by_the_approver(requested, iom_approver):
    support.approve_payment(requested, by=iom_approver)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reintegration_payment SET disbursed_by_id = decided_by_id WHERE id = %s",
            [requested.pk],
        )


def test_a_change_to_an_approved_payment_sends_it_back_to_the_queue(
    requested, iom_approver, nigeria_office
):
    support.approve_payment(requested, by=iom_approver)
    changed = support.change_payment(
        requested, by=nigeria_office, **{**medical(requested.case, amount="120")}
    )
    assert (changed.state, changed.decided_by, changed.amount) == (
        P.REQUESTED,
        None,
        Decimal("120.00"),
    )
    medical_row = Entitlement.objects.get(beneficiary=changed.beneficiary, category="medical")
    assert medical_row.committed == Decimal("120.00")
    assert CaseEvent.objects.filter(action="payment.sent_back").count() == 1


def test_an_unchanged_approved_payment_keeps_its_approval(requested, iom_approver, nigeria_office):
    support.approve_payment(requested, by=iom_approver)
    kept = support.change_payment(requested, by=nigeria_office, **medical(requested.case))
    assert (kept.state, kept.decided_by) == (P.APPROVED, iom_approver)


def test_a_rejection_frees_the_amount(requested, iom_approver):
    support.reject_payment(requested, by=iom_approver, reason="Receipt missing.")
    row = Entitlement.objects.get(beneficiary=requested.beneficiary, category="medical")
    assert row.committed == 0
    requested.refresh_from_db()
    assert (requested.state, requested.end_reason) == (P.REJECTED, "Receipt missing.")


def test_a_cancellation_before_disbursement_frees_the_amount(
    requested, iom_approver, nigeria_office
):
    support.approve_payment(requested, by=iom_approver)
    support.cancel_payment(requested, by=nigeria_office, reason="Paid by the clinic's fund.")
    row = Entitlement.objects.get(beneficiary=requested.beneficiary, category="medical")
    assert row.committed == 0


# Disbursement and reconciliation.


@pytest.fixture
def approved(arrived, iom_caseworker, iom_approver):
    payment = support.request_payment(arrived, by=iom_caseworker, **subsistence(arrived))
    return support.approve_payment(payment, by=iom_approver)


def disburse(payment, by, **overrides):
    fields = {
        "on": timezone.localdate(),
        "reference": "CASH-0001",
        "local_currency": "ngn",
        "local_amount": Decimal("232500.00"),
        "exchange_rate": Decimal("1550"),
        **overrides,
    }
    return support.disburse_payment(payment, by=by, **fields)


def test_the_office_disburses_an_approved_payment_and_keeps_its_voucher(approved, nigeria_office):
    from pypdf import PdfReader

    from ampcase.lib.documents import open_stored

    paid = disburse(approved, nigeria_office)
    assert (paid.state, paid.disbursed_by, paid.local_currency, paid.local_amount) == (
        P.DISBURSED,
        nigeria_office,
        "NGN",
        Decimal("232500.00"),
    )
    voucher = Document.objects.get(pk=paid.voucher_id)
    assert voucher.kind == Document.Kind.VOUCHER
    with open_stored(voucher.storage_key) as stored:
        text = "".join(page.extract_text() for page in PdfReader(stored).pages)
    assert "Utbetalningsverifikat" in text or "Payment voucher" in text
    assert "150.00" in text and "CASH-0001" in text


def test_the_local_amount_must_match_the_rate(approved, nigeria_office):
    with pytest.raises(support.SupportError, match="about 232500.00 NGN"):
        disburse(approved, nigeria_office, local_amount=Decimal("150.00"))
    approved.refresh_from_db()
    assert approved.state == P.APPROVED


def test_a_payment_not_approved_is_not_disbursed(requested, nigeria_office):
    with pytest.raises(support.SupportError, match="“Requested”"):
        disburse(requested, nigeria_office, local_amount=Decimal("155000"))


def test_a_reimbursement_needs_its_receipt_before_it_is_paid(
    requested, iom_approver, nigeria_office
):
    support.approve_payment(requested, by=iom_approver)
    with pytest.raises(support.SupportError, match="upload it first"):
        disburse(requested, nigeria_office, local_amount=Decimal("155000"))
    support.attach_receipt(requested, by=nigeria_office, document=sample_pdf())
    assert disburse(requested, nigeria_office, local_amount=Decimal("155000")).state == P.DISBURSED


def test_reconciling_needs_the_receipt(approved, nigeria_office):
    disburse(approved, nigeria_office)
    with pytest.raises(support.SupportError, match="Upload the receipt"):
        support.reconcile_payment(approved, by=nigeria_office)
    support.attach_receipt(approved, by=nigeria_office, document=sample_pdf())
    assert support.reconcile_payment(approved, by=nigeria_office).state == P.RECONCILED


def test_the_approver_never_disburses(approved, iom_approver):
    # An approver who also held a country office role still could not pay out their own.
    from django.contrib.auth.models import Group

    from ampcase.accounts.roles import Role

    iom_approver.groups.add(Group.objects.get(name=Role.COUNTRY_OFFICE))
    with pytest.raises(case_services.Denied):
        disburse(approved, iom_approver)


@pytest.mark.parametrize(
    ("category", "adult", "child_total"),
    [
        (Category.SUBSISTENCE, Decimal("900.00"), Decimal("450.00")),
        (Category.GRANT, Decimal("2800.00"), Decimal("1400.00")),
        (Category.MEDICAL, Decimal("300.00"), Decimal("150.00")),
    ],
)
def test_entitlements_of_an_adult_and_of_a_granted_child_in_every_category(
    arrived, iom_caseworker, category, adult, child_total
):
    support.decide_child_share(
        arrived,
        by=iom_caseworker,
        child=child(arrived),
        category=category,
        granted=True,
        reason="Decided with the mother.",
    )
    assert caps(arrived, returnee(arrived))[category] == adult
    assert caps(arrived, child(arrived)) == {category: child_total}
