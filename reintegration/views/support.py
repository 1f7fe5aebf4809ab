"""Reintegration support pages: the plan and the budget of a case, its payments and their
steps (approve, reject, cancel, disburse, reconcile), the approvers' queue and the providers.
Built from the case-page kit (`referrals.kit`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from ampcase import audit
from ampcase.accounts import stepup
from ampcase.lib import fsm
from ampcase.lib.documents import document_response
from ampcase.lib.money import ZERO
from referrals.forms import ReasonForm
from referrals.grants import cases_for
from referrals.kit import Back, Step, case_page, form_page, get_case, pdf_language, step_actions
from referrals.models import Case, Person
from referrals.permissions import IDENTITY

from .. import permissions
from ..forms import (
    ChildShareForm,
    ContractForm,
    DisbursementForm,
    PaymentForm,
    ProviderForm,
    ReceiptForm,
    SupportPlanForm,
)
from ..models import (
    NOT_COMMITTED,
    PAID,
    Category,
    ChildShare,
    Entitlement,
    Payment,
    PaymentState,
    Provider,
    ReintegrationPlan,
)
from ..services import support as services


def case_link(case: Case, user) -> tuple[str, str] | None:
    """The case page's link to the plan and budget, once the returnee has arrived."""
    if not services.support_readable(case) or not permissions.can_read_support(case, user):
        return None
    return reverse("reintegration:support", args=[case.uuid]), _("Reintegration plan and budget")


def _support_page() -> Back:
    return Back("reintegration:support", gettext_lazy("Reintegration plan and budget"))


def _payment_page() -> Back:
    return Back("reintegration:payment", gettext_lazy("Payment"), keys=("payment_uuid",))


def _reading(request: HttpRequest, case_uuid) -> Case:
    return get_case(
        request,
        case_uuid,
        available=services.support_readable,
        allowed=permissions.can_read_support,
    )


def _supporting(request: HttpRequest, case_uuid) -> Case:
    return get_case(
        request, case_uuid, available=services.support_open, allowed=permissions.can_support
    )


def _plan(case: Case) -> ReintegrationPlan:
    """The case's plan, opened at the arrival (a case that arrived before there were plans
    has none: there is nothing to show)."""
    plan = ReintegrationPlan.objects.select_related("period", "updated_by").filter(case=case)
    found = plan.first()
    if found is None:
        raise Http404
    return found


def _payment(case: Case, payment_uuid) -> Payment:
    payment = (
        Payment.objects.select_related(
            "beneficiary", "provider", "contract", "requested_by", "decided_by", "disbursed_by"
        )
        .filter(case=case, uuid=payment_uuid)
        .first()
    )
    if payment is None:
        raise Http404
    payment.case = case
    return payment


# The budget: one line per beneficiary and category.


@dataclass
class BudgetLine:
    beneficiary: Person
    category: str
    entitled: Decimal = ZERO
    requested: Decimal = ZERO
    approved: Decimal = ZERO
    disbursed: Decimal = ZERO
    committed: Decimal = ZERO

    @property
    def free(self) -> Decimal:
        return self.entitled - self.committed

    def get_category_display(self) -> str:
        return str(Category(self.category).label)


def budget(case: Case, people: list[Person]) -> list[BudgetLine]:
    """Every beneficiary's entitlement per category, and beside it what is requested,
    approved, disbursed and still free. Two queries, whatever the number of payments."""
    lines: dict[tuple[int, str], BudgetLine] = {}
    by_id = {person.pk: person for person in people}
    for person in people:
        for category in Category.values:
            lines[(person.pk, category)] = BudgetLine(person, category)
    for row in (
        Entitlement.objects.filter(case=case)
        .values("beneficiary_id", "category")
        .annotate(cap=Sum("cap"), committed=Sum("committed"))
        .order_by()
    ):
        line = lines.get((row["beneficiary_id"], row["category"]))
        if line is not None:
            line.entitled, line.committed = row["cap"], row["committed"]
    paid_states = {str(state) for state in PAID}
    for row in (
        Payment.objects.filter(case=case)
        .exclude(state__in=NOT_COMMITTED)
        .values("beneficiary_id", "category", "state")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        line = lines.get((row["beneficiary_id"], row["category"]))
        if line is None or row["beneficiary_id"] not in by_id:
            continue
        if row["state"] == PaymentState.REQUESTED:
            line.requested += row["total"]
        elif row["state"] == PaymentState.APPROVED:
            line.approved += row["total"]
        elif row["state"] in paid_states:
            line.disbursed += row["total"]
    return [line for line in lines.values() if line.entitled or line.committed]


def support(request: HttpRequest, case_uuid) -> HttpResponse:
    case = _reading(request, case_uuid)
    plan = _plan(case)
    people = list(case.people.all())
    children = [person for person in people if person.relation == Person.Relation.CHILD]
    shares = defaultdict(dict)
    for share in ChildShare.objects.filter(plan=plan).select_related("decided_by"):
        shares[share.child_id][share.category] = share
    payments = list(
        case.payments.select_related("beneficiary", "provider", "contract").order_by(
            "-requested_at", "-id"
        )
    )
    can_support = services.support_open(case) and permissions.can_support(case, request.user)
    audit.record(request, "support.viewed", case, f"{len(payments)} payments")
    return render(
        request,
        "reintegration/support.html",
        {
            "case": case,
            "plan": plan,
            "children": [
                (child, [shares[child.pk].get(c) for c in Category.values]) for child in children
            ],
            "categories": Category.choices,
            "budget": budget(case, people),
            "payments": payments,
            "can_support": can_support,
        },
    )


@require_http_methods(["GET", "POST"])
@case_page(back="reintegration:support")
def plan_form(request: HttpRequest, case_uuid) -> HttpResponse:
    case = _supporting(request, case_uuid)
    plan = _plan(case)
    form = SupportPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        services.save_plan(case, by=request.user, **form.cleaned_data)
        messages.success(request, _("The reintegration plan was saved."))
        return redirect("reintegration:support", case.uuid)
    return form_page(
        request,
        case,
        form,
        title=_("Reintegration plan"),
        submit_label=_("Save the plan"),
        back=_support_page(),
    )


@require_http_methods(["GET", "POST"])
@case_page(back="reintegration:support")
def child_share(request: HttpRequest, case_uuid, person_uuid) -> HttpResponse:
    case = _supporting(request, case_uuid)
    child = case.people.filter(uuid=person_uuid, relation=Person.Relation.CHILD).first()
    if child is None:
        raise Http404
    form = ChildShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.decide_child_share(case, by=request.user, child=child, **form.cleaned_data)
        messages.success(request, _("The child's share was recorded."))
        return redirect("reintegration:support", case.uuid)
    return form_page(
        request,
        case,
        form,
        # The title stays free of the child's name (browser history); the text names the child.
        title=_("A child's share of the support"),
        intro=_("For %(name)s.") % {"name": f"{child.given_name} {child.family_name}"},
        submit_label=_("Record"),
        back=_support_page(),
    )


@require_http_methods(["GET", "POST"])
@case_page(back="reintegration:support")
def payment_new(request: HttpRequest, case_uuid) -> HttpResponse:
    case = _supporting(request, case_uuid)
    form = PaymentForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.request_payment(case, by=request.user, **form.cleaned_data)
        except services.SupportError as error:
            form.add_error(None, error.message)
            for problem in error.problems:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The payment was sent to IOM Finland for approval."))
            return redirect("reintegration:payment", case.uuid, payment.uuid)
    return form_page(
        request,
        case,
        form,
        title=_("Ask for a payment"),
        intro=_("IOM Finland's approvers approve every payment before it is paid out."),
        submit_label=_("Send for approval"),
        back=_support_page(),
    )


@require_http_methods(["GET", "POST"])
@case_page(back=_payment_page())
def payment_change(request: HttpRequest, case_uuid, payment_uuid) -> HttpResponse:
    case = _supporting(request, case_uuid)
    payment = _payment(case, payment_uuid)
    if payment.state not in services.WAITING_PAYMENT_STATES:
        raise services.SupportError(services.case_services.now_in_state(payment))
    initial = {name: getattr(payment, name) for name in services.PAYMENT_FIELDS}
    form = PaymentForm(request.POST or None, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_payment(payment, by=request.user, **form.cleaned_data)
        except services.SupportError as error:
            form.add_error(None, error.message)
            for problem in error.problems:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The payment was changed."))
            return redirect("reintegration:payment", case.uuid, payment.uuid)
    intro = (
        _("It was approved: a change sends it back to IOM Finland's approvers.")
        if payment.state == PaymentState.APPROVED
        else ""
    )
    return form_page(
        request,
        case,
        form,
        title=_("Change the payment"),
        intro=intro,
        submit_label=_("Save"),
        back=_payment_page(),
    )


@require_http_methods(["GET", "POST"])
@case_page(back=_payment_page())
def payment_receipt(request: HttpRequest, case_uuid, payment_uuid) -> HttpResponse:
    case = get_case(
        request,
        case_uuid,
        available=services.support_open,
        allowed=permissions.can_keep_accounts,
    )
    payment = _payment(case, payment_uuid)
    form = ReceiptForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.attach_receipt(payment, by=request.user, document=form.cleaned_data["file"])
        messages.success(request, _("The receipt was kept."))
        return redirect("reintegration:payment", case.uuid, payment.uuid)
    return form_page(
        request,
        case,
        form,
        title=_("Upload the receipt or invoice"),
        submit_label=_("Upload"),
        back=_payment_page(),
        multipart=True,
    )


def _subject(case: Case, payment_uuid) -> Payment | None:
    payment = case.payments.filter(uuid=payment_uuid).select_related("beneficiary").first()
    if payment is not None:
        payment.case = case
    return payment


def _fresh_code(request: HttpRequest) -> HttpResponse | None:
    """An approval needs a code given within the last five minutes: otherwise the approver
    gives one first (the POST is not carried out; they confirm again afterwards). Every
    approval also gets a new session key, so that a session id seen before is worth nothing
    afterwards."""
    if not stepup.code_is_fresh(request):
        return redirect(stepup.step_up_url(request))
    if request.method == "POST":
        request.session.cycle_key()
    return None


def _payment_step(name, transition, run, label, title, intro, done, form=None, guard=None):
    return Step(
        url_name=f"reintegration:{name}",
        transition=transition,
        run=run,
        label=label,
        title=title,
        intro=intro,
        done=done,
        form=form,
        subject=_subject,
        back=_payment_page(),
        guard=guard,
        path=name.removeprefix("payment-"),
    )


PAYMENT_STEPS = (
    _payment_step(
        "payment-approve",
        "approve",
        lambda payment, by, data: services.approve_payment(payment, by=by),
        pgettext_lazy("payment", "Approve"),
        gettext_lazy("Approve the payment"),
        gettext_lazy(
            "The destination's IOM office may then pay it out. Any later change to it needs a "
            "new approval."
        ),
        gettext_lazy("The payment was approved."),
        guard=_fresh_code,
    ),
    _payment_step(
        "payment-reject",
        "reject",
        lambda payment, by, data: services.reject_payment(payment, by=by, reason=data["reason"]),
        gettext_lazy("Reject"),
        gettext_lazy("Reject the payment"),
        gettext_lazy("Its amount is free again. The reason is shown to who asked for it."),
        gettext_lazy("The payment was rejected."),
        form=ReasonForm,
    ),
    _payment_step(
        "payment-disburse",
        "disburse",
        lambda payment, by, data: services.disburse_payment(payment, by=by, **data),
        gettext_lazy("Record the disbursement"),
        gettext_lazy("Record the disbursement"),
        gettext_lazy(
            "Record it once the money has been paid out. The payment voucher is then made and kept."
        ),
        gettext_lazy("The disbursement was recorded."),
        form=DisbursementForm,
    ),
    _payment_step(
        "payment-reconcile",
        "reconcile",
        lambda payment, by, data: services.reconcile_payment(payment, by=by),
        gettext_lazy("Reconcile"),
        gettext_lazy("Reconcile the payment"),
        gettext_lazy("The payment is closed against its receipt or invoice."),
        gettext_lazy("The payment was reconciled."),
    ),
    _payment_step(
        "payment-cancel",
        "cancel",
        lambda payment, by, data: services.cancel_payment(payment, by=by, reason=data["reason"]),
        gettext_lazy("Cancel"),
        gettext_lazy("Cancel the payment"),
        gettext_lazy("Only before it is paid out. Its amount is free again."),
        gettext_lazy("The payment was cancelled."),
        form=ReasonForm,
    ),
)


def payment(request: HttpRequest, case_uuid, payment_uuid) -> HttpResponse:
    case = _reading(request, case_uuid)
    shown = _payment(case, payment_uuid)
    user = request.user
    # A closed case is read-only: its payments are shown, nothing is offered.
    open_case = services.support_open(case)
    actions = (
        step_actions(case, PAYMENT_STEPS, user, subject=shown, payment_uuid=shown.uuid)
        if open_case
        else []
    )
    may_ask = open_case and permissions.can_support(case, user)
    if may_ask and shown.state in services.WAITING_PAYMENT_STATES:
        actions.insert(
            0,
            (
                reverse("reintegration:payment-change", args=[case.uuid, shown.uuid]),
                _("Change"),
            ),
        )
    keeps_receipts = fsm.sources(Payment.disburse) | fsm.sources(Payment.reconcile)
    if open_case and shown.state in keeps_receipts and permissions.can_keep_accounts(case, user):
        actions.append(
            (
                reverse("reintegration:payment-receipt", args=[case.uuid, shown.uuid]),
                _("Upload the receipt or invoice"),
            )
        )
    audit.record(request, "payment.viewed", shown, shown.state)
    return render(
        request,
        "reintegration/payment.html",
        {
            "case": case,
            "payment": shown,
            "actions": actions,
            "own_request": shown.requested_by_id == user.pk,
        },
    )


def voucher(request: HttpRequest, case_uuid, payment_uuid) -> HttpResponse:
    """The voucher, as stored when the payment was disbursed."""
    case = _reading(request, case_uuid)
    shown = _payment(case, payment_uuid)
    if shown.voucher is None:
        raise Http404
    audit.record(request, "payment.voucher_downloaded", shown, shown.state)
    return document_response(
        shown.voucher.storage_key,
        content_type=shown.voucher.content_type,
        download_name=f"{case.reference}-voucher-{shown.pk}",
    )


def budget_pdf(request: HttpRequest, case_uuid) -> HttpResponse:
    """The case's budget statement in Swedish or English: every beneficiary's entitlement and
    what was requested, approved and paid, with every payment in USD and local currency."""
    from ampcase.lib.pdf import pdf_response, render_pdf

    case = _reading(request, case_uuid)
    language = pdf_language(request)
    plan = _plan(case)
    people = list(case.people.all())
    payments = list(
        case.payments.exclude(state__in=NOT_COMMITTED)
        .select_related("beneficiary", "provider")
        .order_by("requested_at", "id")
    )
    pdf = render_pdf(
        "pdf/budget.html",
        {"case": case, "plan": plan, "budget": budget(case, people), "payments": payments},
        language=language,
    )
    audit.record(request, "support.budget_downloaded", case, language)
    return pdf_response(pdf, f"{case.reference}-budget-{language}")


# The approvers' queue.

QUEUE_PAGE_SIZE = 50


def approvals(request: HttpRequest) -> HttpResponse:
    """Every payment waiting for approval on a case the approver may see, oldest first, with
    what is still free of its beneficiary's category beside it."""
    if not request.user.has_role(permissions.Role.IOM_APPROVER):
        raise PermissionDenied
    free = (
        Entitlement.objects.filter(
            beneficiary=OuterRef("beneficiary"), category=OuterRef("category")
        )
        .values("beneficiary")
        .annotate(left=Sum("cap") - Sum("committed"))
        .values("left")[:1]
    )
    waiting = (
        Payment.objects.filter(
            state=PaymentState.REQUESTED, case__in=cases_for(request.user, IDENTITY)
        )
        .select_related("case", "provider", "requested_by")
        .annotate(
            free=Coalesce(Subquery(free), Value(ZERO), output_field=DecimalField()),
        )
        .order_by("requested_at", "id")
    )
    page = Paginator(waiting, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record(request, "payment.queue_viewed", summary=f"page {page.number}")
    return render(request, "reintegration/approvals.html", {"page": page})


# Providers.


def providers(request: HttpRequest) -> HttpResponse:
    """The providers the user registers and pays: every country's for IOM Finland, the
    office's own country's for a country office."""
    countries = permissions.provider_countries(request.user)
    if countries == set():
        raise PermissionDenied
    listed = Provider.objects.prefetch_related("contracts").order_by("country", "name")
    if countries is not None:
        listed = listed.filter(country__in=countries)
    return render(request, "reintegration/providers.html", {"providers": list(listed)})


@require_http_methods(["GET", "POST"])
def provider_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    countries = permissions.provider_countries(user)
    if countries == set():
        raise PermissionDenied
    initial = {"country": next(iter(countries))} if countries else {}
    form = ProviderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_provider(by=user, **form.cleaned_data)
        except services.SupportError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The provider was registered."))
            return redirect("reintegration:providers")
    return render(
        request,
        "referrals/form.html",
        {"form": form, "title": _("Register a provider"), "submit_label": _("Register")},
    )


@require_http_methods(["GET", "POST"])
def contract_new(request: HttpRequest, provider_uuid) -> HttpResponse:
    provider = Provider.objects.filter(uuid=provider_uuid).first()
    if provider is None:
        raise Http404
    if not permissions.can_manage_providers(request.user, provider.country.code):
        raise PermissionDenied
    form = ContractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_contract(provider, by=request.user, **form.cleaned_data)
        messages.success(request, _("The contract was added."))
        return redirect("reintegration:providers")
    return render(
        request,
        "referrals/form.html",
        {
            "form": form,
            "title": _("Add a contract"),
            "intro": _("With %(provider)s.") % {"provider": provider.name},
            "submit_label": _("Add the contract"),
        },
    )
