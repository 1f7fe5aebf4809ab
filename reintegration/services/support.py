"""Reintegration support (DESIGN.md sections 5 and 7): the returnee's plan, what each
beneficiary is entitled to, the providers, and payments approved in advance by IOM Finland and
disbursed by the destination's IOM office.

Money never overruns a budget, even when many people act at once: a payment commits its
amount to the beneficiary's `Entitlement` row (and, for a provider, to its `Contract`) in the
same transaction, under a row lock, and the database refuses a committed sum above the cap.
Every payment transition runs through referrals' one runner (`run_transition`): its state
first, then its `permission=` rule (four eyes: never the requester's approval, never the
approver's disbursement), then the change and the audit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from ampcase import audit
from ampcase.lib import fsm
from ampcase.lib.documents import ValidatedDocument
from ampcase.lib.money import ZERO, format_money, quantize
from ampcase.lib.pdf import render_pdf
from referrals import services as case_services
from referrals.models import Case, Document, Person

from .. import permissions
from ..models import (
    NOT_COMMITTED,
    Category,
    ChildShare,
    Contract,
    Entitlement,
    Method,
    Payee,
    Payment,
    ProgrammePeriod,
    Provider,
    ReintegrationPlan,
)


class SupportError(case_services.CaseError):
    pass


# The case states in which support is given: from the arrival on; and those in which what was
# given stays readable: once the case is closed, too.
SUPPORT_STATES = fsm.targets(Case.arrive)
RECORD_STATES = SUPPORT_STATES | fsm.targets(Case.close)


# The payments still to be decided or paid out: those a change may touch (a change to an
# approved one sends it back), and those that keep a case from closing.
WAITING_PAYMENT_STATES = fsm.sources(Payment.approve) | fsm.sources(Payment.send_back)


def support_open(case: Case) -> bool:
    return case.state in SUPPORT_STATES


def support_readable(case: Case) -> bool:
    return case.state in RECORD_STATES


def _locked_case(case: Case, by, allowed=permissions.can_support) -> Case:
    locked = case_services.lock_case(case, by)
    # Before the arrival there is no budget yet; after the case ended, none any more.
    if not support_open(locked):
        raise SupportError(case_services.now_in_state(locked))
    if not ReintegrationPlan.objects.filter(case=locked).exists():
        raise SupportError(
            _("This case has no reintegration plan: it arrived before there were any.")
        )
    if allowed is not None and not allowed(locked, by):
        raise case_services.Denied(locked, by, "support")
    return locked


# The budget: opened at the arrival, for the returnee; a child's when its share is granted.


def _entitle(case: Case, plan: ReintegrationPlan, person: Person, category: str, share) -> None:
    """Make `person`'s entitlement in `category` the period's rate times `share` (0 takes it
    away). Refused when payments already commit more than the new amount."""
    rate = plan.period.rates.get(category=category)
    months = range(1, rate.months + 1) if rate.months else [None]
    cap = quantize(rate.amount * share)
    for month in months:
        entitlement, created = Entitlement.objects.select_for_update().get_or_create(
            case=case,
            beneficiary=person,
            category=category,
            month=month,
            defaults={"cap": cap},
        )
        if created or entitlement.cap == cap:
            continue
        if entitlement.committed > cap:
            raise SupportError(
                _(
                    "Payments of %(amount)s are already asked for or made for %(name)s in this "
                    "category: cancel them first."
                )
                % {"amount": format_money(entitlement.committed), "name": person.given_name}
            )
        entitlement.cap = cap
        entitlement.save(update_fields=["cap"])


def ensure_programme_rates(sender=None, using: str = "default", **kwargs) -> None:
    """Put back the programme's first period and rates (the data migration's) when the table
    is empty: after a test database's flush. Never changes periods that exist."""
    import importlib

    from django.apps import apps

    if not ProgrammePeriod.objects.using(using).exists():
        importlib.import_module("reintegration.migrations.0003_programme_rates").seed(apps, None)


@transaction.atomic
def open_budget(case: Case, *, by, arrived_on: date) -> ReintegrationPlan:
    """Open the reintegration plan and the returnee's entitlements when the returnee arrives
    (inside the arrival's transaction): the case takes the rates of the period it arrived
    in, and the months of subsistence count from that day."""
    period = ProgrammePeriod.on(arrived_on)
    if period is None:
        raise SupportError(
            _("No programme period covers %(day)s: ask the administrator to add its rates.")
            % {"day": arrived_on.isoformat()}
        )
    plan, _created = ReintegrationPlan.objects.get_or_create(
        case=case, defaults={"period": period, "arrived_on": arrived_on, "updated_by": by}
    )
    returnee = case.people.get(relation=Person.Relation.RETURNEE)
    for category in Category.values:
        _entitle(case, plan, returnee, category, Decimal(1))
    return plan


@case_services.service
def save_plan(case: Case, *, by, needs_and_goals: str, services: list[str]) -> ReintegrationPlan:
    """Write the returnee's needs and goals and the services chosen."""
    case = _locked_case(case, by)
    plan = ReintegrationPlan.objects.get(case=case)
    plan.needs_and_goals = needs_and_goals
    plan.services = sorted(services)
    plan.updated_by = by
    plan.save()
    case_services.log_event(case, by, "support.plan_saved")
    return plan


@case_services.service
def decide_child_share(
    case: Case, *, by, child: Person, category: str, granted: bool, reason: str
) -> ChildShare:
    """Grant an accompanying child its share of a category, or not, with the reason."""
    if not reason.strip():
        raise SupportError(_("Say why."))
    case = _locked_case(case, by)
    if child.case_id != case.pk or child.relation != Person.Relation.CHILD:
        raise SupportError(_("This person is not an accompanying child of this case."))
    plan = ReintegrationPlan.objects.select_related("period").get(case=case)
    share, _created = ChildShare.objects.update_or_create(
        child=child,
        category=category,
        defaults={
            "plan": plan,
            "granted": granted,
            "reason": reason,
            "decided_by": by,
            "decided_at": timezone.now(),
        },
    )
    _entitle(case, plan, child, category, plan.period.child_share if granted else 0)
    action = "support.child_share_granted" if granted else "support.child_share_refused"
    case_services.log_event(case, by, action, str(Category(category).label))
    return share


# Providers and their contracts.


def _require_providers(by, country: str) -> None:
    if not permissions.can_manage_providers(by, country):
        raise case_services.Denied(None, by, "providers")


@case_services.service
def register_provider(*, by, country: str, name: str, kind: str, contact: str = "") -> Provider:
    _require_providers(by, country)
    if Provider.objects.filter(country=country, name__iexact=name.strip()).exists():
        raise SupportError(_("A provider of that name is already registered in the country."))
    provider = Provider.objects.create(
        country=country, name=name.strip(), kind=kind, contact=contact, created_by=by
    )
    audit.record(None, "provider.registered", provider, str(provider.country), actor=by)
    return provider


@case_services.service
def add_contract(
    provider: Provider, *, by, what: str, starts_on: date, ends_on: date, ceiling: Decimal
) -> Contract:
    _require_providers(by, provider.country.code)
    if ends_on < starts_on:
        raise SupportError(_("The contract must end after it starts."))
    contract = Contract.objects.create(
        provider=provider,
        what=what,
        starts_on=starts_on,
        ends_on=ends_on,
        ceiling=quantize(ceiling),
        created_by=by,
    )
    audit.record(None, "provider.contract_added", provider, str(contract.ceiling), actor=by)
    return contract


# Payments.

PAYMENT_FIELDS = (
    "beneficiary",
    "category",
    "month",
    "amount",
    "payee",
    "method",
    "provider",
    "contract",
    "description",
)


def request_problems(case: Case, fields: dict, today: date) -> list[str]:
    """What is wrong with a payment's fields, whatever the budget: who, what, to whom, how."""
    problems = []
    category, payee, method = fields["category"], fields["payee"], fields["method"]
    provider, contract = fields.get("provider"), fields.get("contract")
    beneficiary = fields["beneficiary"]
    if beneficiary.case_id != case.pk:
        problems.append(_("The beneficiary is not one of this case's people."))
    if fields["amount"] <= ZERO:
        problems.append(_("The amount must be more than zero."))
    if category == Category.SUBSISTENCE:
        if payee != Payee.RETURNEE or method not in (Method.CASH, Method.BANK):
            problems.append(
                _("Subsistence is paid to the returnee, in cash at the office or by bank.")
            )
        if not fields.get("month"):
            problems.append(_("Say which month after arrival the subsistence covers."))
    elif fields.get("month"):
        problems.append(_("Only subsistence is paid for a month."))
    if category == Category.GRANT and (payee != Payee.PROVIDER or contract is None):
        problems.append(
            _("The reintegration grant is paid to a provider under a contract, never in cash.")
        )
    if category == Category.MEDICAL and payee == Payee.RETURNEE:
        problems.append(_("Medical care is paid to a provider, or reimbursed against a receipt."))
    if payee == Payee.PROVIDER:
        if provider is None:
            problems.append(_("Choose the provider."))
        elif provider.country != case.destination_country:
            problems.append(_("The provider is not in the case's destination country."))
        if method != Method.DIRECT:
            problems.append(_("A provider is paid directly."))
    else:
        if provider is not None or contract is not None:
            problems.append(_("Only a payment to a provider names a provider or a contract."))
        if method == Method.DIRECT:
            problems.append(_("Only a provider is paid directly."))
    if contract is not None:
        if provider is not None and contract.provider_id != provider.pk:
            problems.append(_("The contract is not the provider's."))
        if not (contract.starts_on <= today <= contract.ends_on):
            problems.append(_("The contract does not run today."))
    return problems


def _commit(case: Case, payment: Payment, sign: int) -> None:
    """Add (1) or take back (-1) the payment's amount to its entitlement and its contract,
    both locked. Refused, with what is still free, when it would overrun either."""
    entitlement = (
        Entitlement.objects.select_for_update()
        .filter(
            beneficiary=payment.beneficiary,
            category=payment.category,
            month=payment.month,
        )
        .first()
    )
    name = payment.beneficiary.given_name
    if entitlement is None or entitlement.cap == ZERO:
        raise SupportError(
            _("%(name)s is not entitled to this: grant the child's share in the plan first.")
            % {"name": name}
            if payment.beneficiary.relation == Person.Relation.CHILD
            else _("There is no such entitlement for %(name)s.") % {"name": name}
        )
    amount = payment.amount * sign
    if sign > 0 and payment.category == Category.SUBSISTENCE:
        taken = Payment.objects.filter(
            beneficiary=payment.beneficiary, category=Category.SUBSISTENCE, month=payment.month
        ).exclude(state__in=NOT_COMMITTED)
        if taken.exclude(pk=payment.pk).exists():
            raise SupportError(
                _("Subsistence for month %(month)s is already asked for or paid.")
                % {"month": payment.month}
            )
    if sign > 0 and payment.amount > entitlement.free:
        raise SupportError(
            _("Only %(free)s of this is still free for %(name)s.")
            % {"free": format_money(entitlement.free), "name": name}
        )
    Entitlement.objects.filter(pk=entitlement.pk).update(committed=F("committed") + amount)
    if payment.contract_id:
        contract = Contract.objects.select_for_update().get(pk=payment.contract_id)
        if sign > 0 and payment.amount > contract.ceiling - contract.committed:
            raise SupportError(
                _("Only %(free)s is still free under the contract.")
                % {"free": format_money(contract.ceiling - contract.committed)}
            )
        Contract.objects.filter(pk=contract.pk).update(committed=F("committed") + amount)


def _check(case: Case, fields: dict) -> None:
    problems = request_problems(case, fields, timezone.localdate())
    if problems:
        raise SupportError(_("The payment cannot be asked for like this."), problems)


@case_services.service
def request_payment(case: Case, *, by, **fields) -> Payment:
    """Ask IOM Finland's approvers to approve a payment. Refused, with everything wrong
    listed, unless it fits the programme's rules and what is still free of the budget."""
    case = _locked_case(case, by)
    fields = {name: fields.get(name) for name in PAYMENT_FIELDS}
    fields["amount"] = quantize(fields["amount"])
    fields["description"] = fields["description"] or ""
    _check(case, fields)
    payment = Payment(case=case, requested_by=by, **fields)
    _commit(case, payment, 1)
    payment.save()
    case_services.log_event(
        case, by, "payment.requested", f"{payment.category} {payment.amount}", audit_note=True
    )
    return payment


def _locked_payment(case: Case, payment: Payment) -> Payment:
    locked = Payment.objects.select_for_update().select_related("beneficiary").get(pk=payment.pk)
    if locked.case_id != case.pk:
        raise SupportError(_("This payment is not part of this case."))
    locked.case = case
    return locked


def _step(payment: Payment, by, name: str, action: str, note: str = "", **kwargs) -> Payment:
    """Lock the case and the payment, and run the payment's transition `name`."""
    case = _locked_case(payment.case, by, allowed=None)
    locked = _locked_payment(case, payment)
    case_services.run_transition(
        locked,
        name,
        by=by,
        case=case,
        action=action,
        note=note or f"{locked.category} {locked.amount}",
        audit_note=not note,
        error=SupportError,
        **kwargs,
    )
    return locked


@case_services.service
def approve_payment(payment: Payment, *, by) -> Payment:
    """Approve a payment in advance. Never the requester's own (the rule and the database)."""
    return _step(payment, by, "approve", "payment.approved", approver=by)


@case_services.service
def reject_payment(payment: Payment, *, by, reason: str) -> Payment:
    """Refuse a payment, with the reason; its amount is free again."""
    if not reason.strip():
        raise SupportError(_("Give the reason for the rejection."))
    locked = _step(payment, by, "reject", "payment.rejected", reason, approver=by, reason=reason)
    _commit(locked.case, locked, -1)
    return locked


@case_services.service
def cancel_payment(payment: Payment, *, by, reason: str) -> Payment:
    """Cancel a payment before it is disbursed, with the reason; its amount is free again."""
    if not reason.strip():
        raise SupportError(_("Give the reason for cancelling the payment."))
    locked = _step(payment, by, "cancel", "payment.cancelled", reason, reason=reason)
    _commit(locked.case, locked, -1)
    return locked


@case_services.service
def change_payment(payment: Payment, *, by, **fields) -> Payment:
    """Change a payment not yet disbursed. An approval covers exactly what was approved: a
    change to an approved payment sends it back to the approvers' queue."""
    case = _locked_case(payment.case, by, allowed=None)
    locked = _locked_payment(case, payment)
    if locked.state not in WAITING_PAYMENT_STATES:
        raise SupportError(case_services.now_in_state(locked))
    if not permissions.can_ask_payment(locked, by):
        raise case_services.Denied(case, by, "change_payment")
    fields = {name: fields.get(name) for name in PAYMENT_FIELDS}
    fields["amount"] = quantize(fields["amount"])
    fields["description"] = fields["description"] or ""
    _check(case, fields)
    if all(getattr(locked, name) == value for name, value in fields.items()):
        return locked
    # Both contracts in one order, so that two changes crossing each other never deadlock.
    contracts = {locked.contract_id, getattr(fields["contract"], "pk", None)} - {None}
    list(Contract.objects.select_for_update().filter(pk__in=contracts).order_by("pk"))
    _commit(case, locked, -1)
    for name, value in fields.items():
        setattr(locked, name, value)
    _commit(case, locked, 1)
    if can_proceed(locked.send_back):
        case_services.run_transition(
            locked, "send_back", by=by, case=case, action="payment.sent_back", error=SupportError
        )
    else:
        locked.save()
    case_services.log_event(
        case, by, "payment.changed", f"{locked.category} {locked.amount}", audit_note=True
    )
    return locked


@case_services.service
def attach_receipt(payment: Payment, *, by, document) -> Payment:
    """Keep the receipt or invoice of a payment (a validated upload): before a reimbursement
    is disbursed, or once any payment was, to reconcile it."""
    case = _locked_case(payment.case, by, allowed=None)
    locked = _locked_payment(case, payment)
    if locked.state not in fsm.sources(Payment.disburse) | fsm.sources(Payment.reconcile):
        raise SupportError(case_services.now_in_state(locked))
    if not permissions.can_keep_accounts(case, by):
        raise case_services.Denied(case, by, "attach_receipt")
    row = case_services.add_document(
        case,
        by=by,
        kind=Document.Kind.RECEIPT,
        document=document,
        allowed=permissions.can_keep_accounts,
    )
    locked.receipt = row
    locked.save(update_fields=["receipt", "updated_at"])
    return locked


@case_services.service
def disburse_payment(
    payment: Payment,
    *,
    by,
    on: date,
    reference: str,
    local_currency: str,
    local_amount: Decimal,
    exchange_rate: Decimal,
) -> Payment:
    """Record that an approved payment was paid out, in local currency at the rate used, and
    keep its voucher (rendered once, now, and stored)."""
    if on > timezone.localdate():
        raise SupportError(_("The date of the disbursement cannot be in the future."))

    def paid_as_approved(locked: Payment) -> None:
        if locked.payee == Payee.REIMBURSEMENT and locked.receipt_id is None:
            raise SupportError(_("A reimbursement is paid against its receipt: upload it first."))
        # The local amount is the approved amount at the rate used (within a percent, for
        # the office's rounding to the notes it has).
        expected = quantize(locked.amount * exchange_rate)
        if abs(local_amount - expected) > max(expected / 100, Decimal("1.00")):
            raise SupportError(
                _(
                    "At that exchange rate %(amount)s is about %(expected)s %(currency)s: check "
                    "the local amount and the rate."
                )
                % {
                    "amount": format_money(locked.amount),
                    "expected": expected,
                    "currency": local_currency.upper(),
                }
            )

    case = _locked_case(payment.case, by, allowed=None)
    locked = _locked_payment(case, payment)
    case_services.run_transition(
        locked,
        "disburse",
        by=by,
        case=case,
        action="payment.disbursed",
        note=f"{locked.category} {locked.amount}",
        audit_note=True,
        before=paid_as_approved,
        error=SupportError,
        disburser=by,
        on=on,
        reference=reference,
        local_currency=local_currency.upper(),
        local_amount=quantize(local_amount),
        rate=exchange_rate,
    )
    locked.voucher = _store_voucher(case, locked, by)
    locked.save(update_fields=["voucher", "updated_at"])
    return locked


def _store_voucher(case: Case, payment: Payment, by) -> Document:
    """The payment voucher, in Swedish and in English on one document: a record of what was
    paid, rendered once and stored, never rendered again."""
    context = {"case": case, "payment": payment, "languages": ["sv", "en"]}
    pdf = render_pdf("pdf/voucher.html", context, language="sv")
    return case_services.add_document(
        case,
        by=by,
        kind=Document.Kind.VOUCHER,
        document=ValidatedDocument.from_content(pdf, "application/pdf"),
        allowed=permissions.can_keep_accounts,
    )


@case_services.service
def reconcile_payment(payment: Payment, *, by) -> Payment:
    """Close a disbursed payment against its receipt or invoice."""

    def has_receipt(locked: Payment) -> None:
        if locked.receipt_id is None:
            raise SupportError(_("Upload the receipt or invoice first."))

    case = _locked_case(payment.case, by, allowed=None)
    locked = _locked_payment(case, payment)
    case_services.run_transition(
        locked,
        "reconcile",
        by=by,
        case=case,
        action="payment.reconciled",
        note=f"{locked.category} {locked.amount}",
        audit_note=True,
        before=has_receipt,
        error=SupportError,
        reconciler=by,
    )
    return locked
