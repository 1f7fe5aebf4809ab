"""Many people at one budget at once, against the real PostgreSQL: the payments that are not
rejected or cancelled never sum above the entitlement, and everyone who loses is told why in
words (a `SupportError`), never an unexpected exception. The budget row is locked, not only
the payment: a check-then-write without it overspends.

These tests commit for real (`transaction=True`); the threads, the barrier and the closing of
connections are those of the referrals races.
"""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import translation

from ampcase.accounts.roles import Role
from reintegration.models import Entitlement, Payment, PaymentState
from reintegration.services import support
from tests.factories import make_arrived_case, make_user
from tests.referrals.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def _medical(case, amount: str) -> dict:
    return {
        "beneficiary": case.people.get(relation="returnee"),
        "category": "medical",
        "amount": Decimal(amount),
        "payee": "reimbursement",
        "method": "bank",
    }


def test_twenty_requests_and_five_approvals_at_once_never_overspend(
    iom_caseworker, iom_approver, nigeria_office
):
    case = make_arrived_case()
    # 150 of the 300 already asked for, in three requests that approvers now decide.
    waiting = [
        support.request_payment(case, by=nigeria_office, **_medical(case, "50")) for _ in range(3)
    ]
    second_approver = make_user(Role.IOM_APPROVER, organisation=iom_approver.organisation)
    requesters = [nigeria_office, iom_caseworker]

    def load():
        return None

    def asking(index):
        def act(_prepared):
            with translation.override("en"):
                by = requesters[index % 2]
                return support.request_payment(case, by=by, **_medical(case, "25"))

        return act

    def approving(payment, approver):
        def act(_prepared):
            with translation.override("en"):
                return support.approve_payment(payment, by=approver)

        return act

    calls = [(load, asking(i)) for i in range(20)]
    calls += [(load, approving(payment, iom_approver)) for payment in waiting]
    # Two approvers press the same button on the first request.
    calls += [(load, approving(waiting[0], second_approver)) for _ in range(2)]
    outcomes = run_together(calls)

    asked, decided = outcomes[:20], outcomes[20:]
    won = [outcome for outcome in asked if outcome.ok]
    lost = [outcome for outcome in asked if not outcome.ok]
    assert len(won) == 6, asked  # 150 free, 25 each
    for outcome in lost:
        assert type(outcome.error) is support.SupportError, outcome
        assert outcome.error.message.startswith("Only 0.00"), outcome.error.message
    # Each waiting request approved exactly once; the late approvers were told it was.
    assert sum(outcome.ok for outcome in decided) == 3, decided
    for outcome in decided:
        if not outcome.ok:
            assert type(outcome.error) is support.SupportError, outcome
            assert "“Approved”" in outcome.error.message, outcome.error.message

    entitlement = Entitlement.objects.get(case=case, category="medical")
    live = Payment.objects.filter(case=case).exclude(state__in=["rejected", "cancelled"])
    assert entitlement.committed == live.aggregate(total=Sum("amount"))["total"]
    assert entitlement.committed == Decimal("300.00") == entitlement.cap
    assert Payment.objects.filter(state=PaymentState.APPROVED).count() == 3


def test_two_subsistence_requests_for_one_month_at_once_make_one_payment(
    iom_caseworker, nigeria_office
):
    for _round in range(5):
        case = make_arrived_case()
        fields = {
            "beneficiary": case.people.get(relation="returnee"),
            "category": "subsistence",
            "month": 2,
            "amount": Decimal("100"),
            "payee": "returnee",
            "method": "cash",
        }

        def ask(by, case=case, fields=fields):
            def act(_prepared):
                with translation.override("en"):
                    return support.request_payment(case, by=by, **fields)

            return act

        outcomes = run_together(
            [(lambda: None, ask(who)) for who in (iom_caseworker, nigeria_office)]
        )
        assert sum(outcome.ok for outcome in outcomes) == 1, outcomes
        loser = next(outcome for outcome in outcomes if not outcome.ok)
        assert type(loser.error) is support.SupportError, loser
        assert Payment.objects.filter(case=case, month=2).count() == 1
