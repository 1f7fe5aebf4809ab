"""Case pages. Every view fetches its case through `get_case`, which answers 404 for a case
the user may not see (exactly like a case that does not exist) and 403 for one they see but
may not act on. Actions are POST-only; their GET shows a confirmation page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_fsm import can_proceed

from ampcase import audit
from ampcase.accounts.models import OrganisationKind, User
from ampcase.accounts.roles import Role

from . import permissions, services
from .forms import (
    ApplicationForm,
    AssignForm,
    CaseFilterForm,
    ConsentForm,
    DocumentForm,
    EligibilityForm,
    OptionalMessageForm,
    PersonForm,
    ReasonForm,
    ReferralForm,
    TransferForm,
    WithdrawForm,
)
from .models import (
    Application,
    Case,
    CaseState,
    Document,
    EligibilityAssessment,
    Person,
    adult_if_born_on_or_before,
)

PAGE_SIZE = 50

# Links other apps add to the case page (the risk table, later travel and payments), so that
# referrals never imports them. Each takes (case, user) and returns (url, label) or None.
CASE_LINKS: list = []


def register_case_link(link):
    if link not in CASE_LINKS:
        CASE_LINKS.append(link)
    return link


def get_case(request: HttpRequest, case_uuid, *, allowed=None) -> Case:
    """The case, if the user may see it (else 404) and, with `allowed`, act on it (else 403).
    Every case view starts here, the risk app's included."""
    case = Case.objects.select_related("region", "social_worker").filter(uuid=case_uuid).first()
    if case is None or not permissions.can_view(case, request.user):
        if case is not None:
            audit.record(request, "access.denied", case, "not in scope")
        raise Http404
    if allowed is not None and not allowed(case, request.user):
        raise PermissionDenied
    return case


def _returnee(case_field: str = "pk"):
    return Person.objects.filter(case=OuterRef(case_field), relation=Person.Relation.RETURNEE)


def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user works on, filtered and paginated in the database."""
    form = CaseFilterForm(request.GET or None)
    cases = (
        permissions.cases_for(request.user)
        .select_related("region")
        .annotate(
            identity_visible=permissions.identity_visible_annotation(request.user),
            given_name=Subquery(_returnee().values("given_name")[:1]),
            family_name=Subquery(_returnee().values("family_name")[:1]),
            born=Subquery(_returnee().values("date_of_birth")[:1]),
            children=Count("people", filter=Q(people__relation=Person.Relation.CHILD)),
        )
        .order_by("-updated_at", "-id")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            cases = cases.filter(state=data["state"])
        if data["country"]:
            cases = cases.filter(destination_country=data["country"])
        adult_cutoff = adult_if_born_on_or_before(timezone.localdate())
        if data["age_group"] == "minor":
            cases = cases.filter(born__gt=adult_cutoff)
        elif data["age_group"] == "adult":
            cases = cases.filter(born__lte=adult_cutoff)
        if data["referred_from"]:
            cases = cases.filter(created_at__date__gte=data["referred_from"])
        if data["referred_to"]:
            cases = cases.filter(created_at__date__lte=data["referred_to"])
        if data["q"]:
            term = data["q"].strip()
            cases = cases.filter(Q(reference__icontains=term) | Q(pseudonym__icontains=term))
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record(request, "case.list_viewed", summary=f"page {page.number}")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/case_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def my_referrals(request: HttpRequest) -> HttpResponse:
    """A referrer's own referrals and their status, nothing more."""
    cases = permissions.cases_for(request.user, permissions.STATUS).select_related("region")
    page = Paginator(cases.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "referrals/my_referrals.html", {"page": page})


@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_log_referral(request.user):
        raise PermissionDenied
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = services.log_referral(
            by=request.user,
            region=data["region"],
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
            nationality=data["nationality"],
            languages=data["languages"],
            referral_note=data["referral_note"],
            consent_on=data["consent_on"],
            consent_method=data["consent_method"],
            interpreter=data["interpreter"],
        )
        messages.success(
            request,
            _("The referral was sent to the region coordinator as %(reference)s.")
            % {"reference": case.reference},
        )
        if permissions.can_view(case, request.user):
            return redirect("referrals:case", case.uuid)
        return redirect("referrals:my-referrals")
    return render(
        request,
        "referrals/form.html",
        {"form": form, "title": _("Log a referral"), "submit_label": _("Send the referral")},
    )


def _actions(case: Case, user) -> list[tuple[str, str, str]]:
    """(url, label, style) of what the user may do now: no button for anything else."""
    url = lambda name: reverse(f"referrals:{name}", args=[case.uuid])  # noqa: E731
    items = []
    if permissions.can_work(case, user):
        if case.state == CaseState.REFERRED:
            items.append((url("start-screening"), _("Start screening"), "post"))
        if case.state == CaseState.SCREENING:
            items.append((url("eligibility"), _("Screen eligibility"), "link"))
        if case.state == CaseState.PREPARING:
            items.append((url("application"), _("Fill in the application"), "link"))
            items.append((url("submit"), _("Check and submit to IOM Finland"), "link"))
        items.append((url("child-new"), _("Add an accompanying child"), "link"))
        if case.consultation_shared_at is None and case.submitted_at is None:
            items.append((url("consultation"), _("Consult IOM Finland anonymously"), "link"))
        items.append((url("document-upload"), _("Upload a document"), "link"))
        items.append((url("assign"), _("Assign a social worker"), "link"))
        items.append((url("transfer"), _("Transfer to another region"), "link"))
        if can_proceed(case.withdraw):
            items.append((url("withdraw"), _("Record withdrawal"), "link"))
    if permissions.can_record_consent(case, user):
        items.append((url("consent"), _("Record consent or its withdrawal"), "link"))
    if permissions.can_decide(case, user):
        items.append((url("approve"), _("Approve"), "link"))
        items.append((url("request-changes"), _("Ask for changes"), "link"))
        items.append((url("reject"), _("Reject"), "link"))
    return items


def case_detail(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid)
    identity = permissions.can_see_identity(case, request.user)
    can_work = permissions.can_work(case, request.user)
    people = list(case.people.all()) if identity else []
    context = {
        "case": case,
        "identity": identity,
        "people": people,
        "consents": list(case.consents.select_related("recorded_by")) if identity else [],
        "eligibility": EligibilityAssessment.objects.filter(case=case).first(),
        "application": Application.objects.filter(case=case).first(),
        "documents": list(case.documents.all()),
        "decisions": list(case.decisions.select_related("coordinator", "iom_user")),
        "events": list(case.events.select_related("actor")),
        "actions": _actions(case, request.user),
        "links": [found for link in CASE_LINKS if (found := link(case, request.user))],
        # What the next step needs, for those preparing it.
        "tasks": (
            services.submission_tasks(case)
            if case.state in {CaseState.SCREENING, CaseState.PREPARING} and can_work
            else []
        ),
        "can_work": can_work,
    }
    audit.record(request, "case.viewed", case, "identity" if identity else "pseudonym")
    return render(request, "referrals/case_detail.html", context)


def _done(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("referrals:case", case.uuid)


def _failed(request: HttpRequest, case: Case, error: services.CaseError) -> HttpResponse:
    messages.error(request, error.message)
    for problem in error.problems:
        messages.error(request, problem)
    return redirect("referrals:case", case.uuid)


@require_POST
def start_screening(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_work)
    try:
        services.start_screening(case, by=request.user)
    except services.CaseError as error:
        return _failed(request, case, error)
    return _done(request, case, _("Screening has started."))


def _form_page(request, case, form, title, submit_label, intro=""):
    # A form about a case shows its data: opening one is a read, and audited like one.
    if request.method == "GET":
        audit.record(request, "case.form_viewed", case, request.resolver_match.view_name)
    return render(
        request,
        "referrals/form.html",
        {"case": case, "form": form, "title": title, "submit_label": submit_label, "intro": intro},
    )


@require_http_methods(["GET", "POST"])
def eligibility(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_work)
    form = EligibilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assess_eligibility(case, by=request.user, **form.cleaned_data)
        except services.CaseError as error:
            return _failed(request, case, error)
        if assessment.is_eligible:
            return _done(request, case, _("Eligible: the application can be prepared."))
        messages.warning(request, _("Not eligible:"))
        for reason in assessment.reasons_not_eligible():
            messages.warning(request, reason)
        return redirect("referrals:case", case.uuid)
    return _form_page(
        request,
        case,
        form,
        _("Screen eligibility"),
        _("Save the screening"),
        _("All the criteria must hold for the person to be eligible."),
    )


@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_record_consent)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(case, by=request.user, **form.cleaned_data)
        except services.CaseError as error:
            return _failed(request, case, error)
        return _done(request, case, _("The consent was recorded."))
    return _form_page(
        request,
        case,
        form,
        _("Record consent"),
        _("Record"),
        _("Each entry is kept. To withdraw consent, record a new entry without the tick."),
    )


@require_http_methods(["GET", "POST"])
def application(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_work)
    existing = Application.objects.filter(case=case).first()
    form = ApplicationForm(
        request.POST or None,
        instance=existing,
        destination_country=case.destination_country.code or "",
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        country = data.pop("destination_country")
        try:
            services.save_application(case, by=request.user, destination_country=country, **data)
        except services.CaseError as error:
            return _failed(request, case, error)
        return _done(request, case, _("The application was saved."))
    return _form_page(request, case, form, _("Application"), _("Save the application"))


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_work)
    if request.method == "POST":
        try:
            services.submit_case(case, by=request.user)
        except services.CaseError as error:
            return _failed(request, case, error)
        return _done(request, case, _("The case was submitted to IOM Finland."))
    return render(
        request,
        "referrals/submit.html",
        {
            "case": case,
            "problems": services.submission_problems(case),
            "application": Application.objects.filter(case=case).first(),
            "returnee": case.people.filter(relation=Person.Relation.RETURNEE).first(),
        },
    )


# Decisions and withdrawal: a confirmation page with a reason, then the service.
_CONFIRMED = {
    "approve": (
        permissions.can_decide,
        OptionalMessageForm,
        lambda case, by, data: services.approve_case(case, by=by, message=data["reason"]),
        gettext_lazy("Approve the return"),
        gettext_lazy("This records the joint decision of the coordinator and IOM Finland."),
        gettext_lazy("The return was approved."),
    ),
    "request-changes": (
        permissions.can_decide,
        ReasonForm,
        lambda case, by, data: services.request_changes(case, by=by, message=data["reason"]),
        gettext_lazy("Ask for changes"),
        gettext_lazy("The case goes back to the coordinator with your message."),
        gettext_lazy("The case was sent back for changes."),
    ),
    "reject": (
        permissions.can_decide,
        ReasonForm,
        lambda case, by, data: services.reject_case(case, by=by, reason=data["reason"]),
        gettext_lazy("Reject the application"),
        gettext_lazy("The case ends. Give the reason the coordinator will pass on."),
        gettext_lazy("The application was rejected."),
    ),
    "withdraw": (
        permissions.can_work,
        WithdrawForm,
        lambda case, by, data: services.withdraw_case(
            case, by=by, on=data["on"], reason=data["reason"]
        ),
        gettext_lazy("Record that the returnee withdrew"),
        gettext_lazy("The case leaves every work queue. The person can still ask for help later."),
        gettext_lazy("The withdrawal was recorded."),
    ),
}


@require_http_methods(["GET", "POST"])
def confirmed_action(request: HttpRequest, case_uuid, action: str) -> HttpResponse:
    allowed, form_class, run, title, intro, done = _CONFIRMED[action]
    case = get_case(request, case_uuid, allowed=allowed)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run(case, request.user, form.cleaned_data)
        except services.CaseError as error:
            return _failed(request, case, error)
        return _done(request, case, str(done))
    return _form_page(request, case, form, title, title, intro)


@require_http_methods(["GET", "POST"])
def consultation(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_work)
    if request.method == "POST":
        services.share_for_consultation(case, by=request.user)
        return _done(request, case, _("IOM Finland can now see the case under its pseudonym."))
    return _form_page(
        request,
        case,
        None,
        _("Consult IOM Finland anonymously"),
        _("Share under the pseudonym"),
        _(
            "IOM Finland will see the case under its pseudonym: no name, date of birth, "
            "identity document or contact detail."
        ),
    )


@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_work)
    candidates = User.objects.filter(
        is_active=True,
        groups__name=Role.SOCIAL_WORKER,
        organisation__kind=OrganisationKind.SOCIAL_SERVICES,
    ).select_related("organisation")
    form = AssignForm(
        request.POST or None, queryset=candidates, initial={"social_worker": case.social_worker}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.assign_social_worker(
                case, by=request.user, social_worker=form.cleaned_data["social_worker"]
            )
        except services.CaseError as error:
            return _failed(request, case, error)
        return _done(request, case, _("The assignment was saved."))
    return _form_page(request, case, form, _("Assign a social worker"), _("Save"))


@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_work)
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_case(case, by=request.user, region=form.cleaned_data["region"])
        except services.CaseError as error:
            return _failed(request, case, error)
        messages.success(request, _("The case was transferred."))
        return redirect("referrals:cases")
    return _form_page(
        request,
        case,
        form,
        _("Transfer to another region"),
        _("Transfer"),
        _("The new region's coordinators take over; you lose access to the case."),
    )


@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_work)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.add_document(
            case,
            by=request.user,
            kind=form.cleaned_data["kind"],
            document=form.cleaned_data["file"],
        )
        return _done(request, case, _("The document was uploaded."))
    return render(
        request,
        "referrals/form.html",
        {
            "case": case,
            "form": form,
            "title": _("Upload a document"),
            "submit_label": _("Upload"),
            "multipart": True,
        },
    )


def document_download(request: HttpRequest, case_uuid, document_uuid) -> HttpResponse:
    """Documents hold personal data: served only to those who may see the identity."""
    from ampcase.lib.documents import document_response

    case = get_case(request, case_uuid, allowed=permissions.can_see_identity)
    document = Document.objects.filter(case=case, uuid=document_uuid).first()
    if document is None:
        raise Http404
    audit.record(request, "document.downloaded", document, document.kind)
    return document_response(
        document.storage_key,
        content_type=document.content_type,
        download_name=f"{case.reference}-{document.kind}-{document.pk}",
    )


def application_pdf(request: HttpRequest, case_uuid) -> HttpResponse:
    """The application as a PDF in Swedish or English, ready to send."""
    from ampcase.lib.pdf import pdf_response, render_pdf

    case = get_case(request, case_uuid, allowed=permissions.can_see_identity)
    application = Application.objects.filter(case=case).first()
    if application is None:
        raise Http404
    language = request.GET.get("lang", "sv")
    if language not in {"sv", "en"}:
        language = "sv"
    people = list(case.people.all())
    context = {
        "case": case,
        "application": application,
        "returnee": next((p for p in people if p.relation == Person.Relation.RETURNEE), None),
        "children": [p for p in people if p.relation == Person.Relation.CHILD],
    }
    pdf = render_pdf("pdf/application.html", context, language=language)
    audit.record(request, "application.downloaded", case, language)
    return pdf_response(pdf, f"{case.reference}-application-{language}")


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, case_uuid, person_uuid=None) -> HttpResponse:
    """Edit the returnee's or a child's details; without a person, add a child."""
    case = get_case(request, case_uuid, allowed=permissions.can_work)
    person = None
    if person_uuid is not None:
        person = Person.objects.filter(case=case, uuid=person_uuid).first()
        if person is None:
            raise Http404
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        # The form was validated against a copy: save through the service, not the form.
        if person is not None:
            person.refresh_from_db()
        try:
            services.save_person(case, by=request.user, person=person, **fields)
        except services.CaseError as error:
            return _failed(request, case, error)
        return _done(request, case, _("The details were saved."))
    title = _("Add an accompanying child") if person is None else _("Personal details")
    return _form_page(request, case, form, title, _("Save"))
