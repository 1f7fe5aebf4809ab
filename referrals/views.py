"""Case pages, built from the case-page kit (`kit.py`): every view fetches its case through
`kit.get_case` (404 for a case the user may not see, exactly like a case that does not exist;
the case's state for a page that no longer fits it; 403 for one they see but may not act on).
Actions are POST-only; their GET shows a confirmation page."""

from __future__ import annotations

import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case as DbCase
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_fsm import can_proceed, has_transition_perm

from ampcase import audit
from ampcase.accounts.models import OrganisationKind, User
from ampcase.accounts.roles import Role
from ampcase.lib import fsm
from ampcase.lib.pagination import CappedPaginator
from ampcase.lib.text import fold

from . import grants, permissions, progress, registry, services, timeline
from .forms import (
    ApplicationForm,
    AssignForm,
    CaseFilterForm,
    CloseForm,
    ConsentForm,
    DocumentForm,
    EligibilityForm,
    OptionalMessageForm,
    PersonForm,
    ReasonForm,
    ReferralForm,
    TransferForm,
    WithdrawForm,
    sorted_countries,
)
from .kit import Step, case_page, form_page, get_case, pdf_language, step_actions
from .models import (
    FINAL_STATES,
    REFERENCE_PREFIX,
    Application,
    Case,
    CaseEvent,
    CaseState,
    ConsentPurpose,
    Decision,
    Document,
    EligibilityAssessment,
    Person,
    adult_if_born_on_or_before,
    current_consents,
)

PAGE_SIZE = 50
# The case list counts its cases up to here and then says "more than" (see CappedPaginator).
COUNT_CAP = 1000


def _open(case: Case) -> bool:
    """Work on the case goes on (a page opened before it ended says what it is now)."""
    return case.state not in FINAL_STATES


def _returnee(case_field: str = "pk"):
    return Person.objects.filter(case=OuterRef(case_field), relation=Person.Relation.RETURNEE)


def _children():
    """The number of the case's accompanying children, counted for the row it is read in."""
    return (
        Person.objects.filter(case=OuterRef("pk"), relation=Person.Relation.CHILD)
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )


def _search(cases, term: str):
    """Cases whose reference or pseudonym holds `term`, or whose returnee's or child's name
    does, case and accents aside. Names count only on rows whose identity the user may see:
    a name the list hides must not find its case, or the search would tell it."""
    folded = fold(term)
    found = Q(reference__icontains=term) | Q(pseudonym__icontains=term)
    # References all begin with ÅMP: "amp-2026-0012" or "åmp-2026-0012" is that reference.
    if folded.startswith("amp"):
        found |= Q(reference__icontains=REFERENCE_PREFIX + folded[3:].upper())
    words = folded.split()
    if words:
        named = Person.objects.filter(case=OuterRef("pk"))
        for word in words:
            named = named.filter(search_name__contains=word)
        found |= Q(identity_known=True) & Q(Exists(named))
    return cases.filter(found)


def _sorts() -> dict:
    """The columns the list sorts by (`?sort=name`, `?sort=-name`): key -> (expression,
    whether ascending means the expression's descending order). Only what the row shows
    counts: a hidden name or birth date never orders a row. Destinations sort by their names
    in the language of the page (every country's rank, in the order the country filter lists
    them, `sorted_countries`: PostgreSQL computes it only when the list is sorted by
    destination)."""
    by_name = [code for code, _name in sorted_countries(get_language())]
    return {
        "reference": (F("reference"), False),
        "name": (
            DbCase(When(identity_known=True, then="name_key"), default=Lower("pseudonym")),
            False,
        ),
        "region": (F("region__name"), False),
        "state": (
            DbCase(
                *(When(state=state, then=Value(rank)) for rank, state in enumerate(CaseState)),
                output_field=IntegerField(),
            ),
            False,
        ),
        "destination": (
            DbCase(
                *(
                    When(destination_country=code, then=Value(rank))
                    for rank, code in enumerate(by_name)
                ),
                default=None,
                output_field=IntegerField(),
            ),
            False,
        ),
        # Youngest first: the latest birth date first.
        "age": (DbCase(When(identity_known=True, then="born"), default=None), True),
        "children": (F("children"), False),
        "risk": (F("risk_level"), False),
        "updated": (F("updated_at"), False),
    }


DEFAULT_SORT = "-updated"
# The sorts whose column is never empty (NOT NULL in the table).
NEVER_EMPTY = {"reference", "region", "updated"}
COLUMNS = [
    ("reference", gettext_lazy("Reference")),
    ("name", gettext_lazy("Name or pseudonym")),
    ("region", gettext_lazy("Region")),
    ("state", gettext_lazy("State")),
    ("destination", gettext_lazy("Destination")),
    ("age", gettext_lazy("Age group")),
    ("children", gettext_lazy("Children")),
    ("risk", gettext_lazy("Risk level")),
    ("updated", gettext_lazy("Last activity")),
]


def _sort_choices() -> list[tuple[str, str]]:
    """The orders the "Sort by" select offers: the default, then each column both ways."""
    choices = [("", _("Last activity, newest first"))]
    for key, label in COLUMNS:
        choices.append((key, _("%(column)s, ascending") % {"column": label}))
        choices.append((f"-{key}", _("%(column)s, descending") % {"column": label}))
    return choices


def _columns(request: HttpRequest, sort: str) -> list[dict]:
    """The table's headers: each a link that sorts by it (the other way round if it is the
    current sort), keeping the filters and going back to the first page."""
    current, descending = sort.lstrip("-"), sort.startswith("-")
    columns = []
    for key, label in COLUMNS:
        query = request.GET.copy()
        query.pop("page", None)
        query["sort"] = f"-{key}" if key == current and not descending else key
        aria_sort = ""
        if key == current:
            aria_sort = "descending" if descending else "ascending"
        columns.append(
            {"key": key, "label": label, "query": query.urlencode(), "aria_sort": aria_sort}
        )
    return columns


# How long the case list's filter keeps the destinations of the user's cases (seconds).
DESTINATIONS_KEPT = 300


def _destinations(request: HttpRequest) -> set[str]:
    """The destination countries of the cases the user sees, for the country filter: kept in
    the session for `DESTINATIONS_KEPT` seconds, because finding them reads every visible case
    (a tenth of a second and more at 100,000 cases) and they seldom change. They only put
    these countries first: every country stays in the filter, so a country added since is
    found in the full list below them."""
    kept = request.session.get("case_list_destinations")
    now = time.time()
    if kept and kept.get("user") == request.user.pk and now - kept["at"] < DESTINATIONS_KEPT:
        return set(kept["codes"])
    codes = grants.destinations_for(request.user)
    request.session["case_list_destinations"] = {
        "user": request.user.pk,
        "at": now,
        "codes": sorted(codes),
    }
    return codes


def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user works on, searched, filtered, sorted and paginated in the
    database. Every column is read per row shown, never aggregated over every visible case
    (see docs/PERFORMANCE.md): the returnee is one join, the children a count per row, and
    the number of cases is counted only up to `COUNT_CAP`."""
    destinations = _destinations(request)
    form = CaseFilterForm(request.GET or None, destinations=destinations, sorts=_sort_choices())
    cases = (
        grants.cases_for(request.user)
        .select_related("region")
        # Whether the user may see who the returnee is, for the search and the sorts, which
        # ask it of every visible case: an alias, not selected, so it costs nothing unless used.
        .alias(identity_known=grants.identity_visible_annotation(request.user))
        .annotate(
            # The returnee (one per case, a unique constraint): joined once, whatever the
            # columns, the sort and the filters read of them.
            returnee=FilteredRelation(
                "people", condition=Q(people__relation=Person.Relation.RETURNEE)
            ),
            # Whether the row's identity may be shown: for the 50 rows shown, probed per row.
            identity_visible=grants.identity_visible_annotation(request.user, per_row=True),
            given_name=F("returnee__given_name"),
            family_name=F("returnee__family_name"),
            name_key=F("returnee__search_name"),
            born=F("returnee__date_of_birth"),
            children=Coalesce(Subquery(_children()), 0),
        )
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            cases = cases.filter(state=data["state"])
        if data["country"]:
            cases = cases.filter(destination_country=data["country"])
        if data["outcome"]:
            cases = cases.filter(outcome=data["outcome"])
        adult_cutoff = adult_if_born_on_or_before(timezone.localdate())
        if data["age_group"] == "minor":
            cases = cases.filter(born__gt=adult_cutoff)
        elif data["age_group"] == "adult":
            cases = cases.filter(born__lte=adult_cutoff)
        if data["referred_from"]:
            cases = cases.filter(created_at__date__gte=data["referred_from"])
        if data["referred_to"]:
            cases = cases.filter(created_at__date__lte=data["referred_to"])
        if data["q"].strip():
            cases = _search(cases, data["q"].strip())
    sorts = _sorts()
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort.lstrip("-") not in sorts:
        sort = DEFAULT_SORT
    expression, inverted = sorts[sort.lstrip("-")]
    # Empty values last, but only where a column can be empty: "NULLS LAST" on a column that
    # never is would keep PostgreSQL from reading the order off an index.
    nulls_last = True if sort.lstrip("-") not in NEVER_EMPTY else None
    if sort.startswith("-") != inverted:
        expression = expression.desc(nulls_last=nulls_last)
    else:
        expression = expression.asc(nulls_last=nulls_last)
    cases = cases.order_by(expression, "-updated_at", "-id")
    counted = cases.order_by().values("pk")
    page = CappedPaginator(cases, PAGE_SIZE, cap=COUNT_CAP, counted=counted).get_page(
        request.GET.get("page")
    )
    audit.record(request, "case.list_viewed", summary=f"page {page.number}")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/case_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "columns": _columns(request, sort),
        },
    )


def my_referrals(request: HttpRequest) -> HttpResponse:
    """A referrer's own referrals and where each has got to, nothing more."""
    cases = grants.cases_for(request.user, permissions.STATUS).select_related("region")
    page = Paginator(cases.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(case, progress.stage(case)) for case in page]
    return render(request, "referrals/my_referrals.html", {"page": page, "rows": rows})


def referral_status(request: HttpRequest, case_uuid) -> HttpResponse:
    """Where one of the referrer's own referrals has got to and what happens next, in their
    words: only for the one who made it (404 for anyone else, like a missing referral), and
    nothing of the case beyond what they entered themselves."""
    case = (
        grants.cases_for(request.user, permissions.STATUS)
        .select_related("region")
        .filter(uuid=case_uuid)
        .first()
    )
    if case is None:
        foreign = Case.objects.filter(uuid=case_uuid).first()
        if foreign is not None:
            audit.record(request, "access.denied", foreign, "not the referrer")
        raise Http404
    audit.record(request, "referral.status_viewed", case)
    return render(
        request,
        "referrals/referral_status.html",
        {"case": case, "stage": progress.stage(case), "steps": progress.steps(case)},
    )


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


# Decisions and withdrawal: a confirmation page with a reason, then the service.
WITHDRAW = Step(
    url_name="referrals:withdraw",
    transition="withdraw",
    run=lambda case, by, data: services.withdraw_case(
        case, by=by, on=data["on"], reason=data["reason"]
    ),
    label=gettext_lazy("Record withdrawal"),
    title=gettext_lazy("Record that the returnee withdrew"),
    intro=gettext_lazy(
        "The case leaves every work queue. The person can still ask for help later."
    ),
    done=gettext_lazy("The withdrawal was recorded."),
    form=WithdrawForm,
)
DECISIONS = (
    Step(
        url_name="referrals:approve",
        transition="approve",
        run=lambda case, by, data: services.approve_case(case, by=by, message=data["reason"]),
        label=gettext_lazy("Approve"),
        title=gettext_lazy("Approve the return"),
        intro=gettext_lazy("This records the joint decision of the coordinator and IOM Finland."),
        done=gettext_lazy("The return was approved."),
        form=OptionalMessageForm,
    ),
    Step(
        url_name="referrals:request-changes",
        transition="request_changes",
        run=lambda case, by, data: services.request_changes(case, by=by, message=data["reason"]),
        label=gettext_lazy("Ask for changes"),
        title=gettext_lazy("Ask for changes"),
        intro=gettext_lazy("The case goes back to the coordinator with your message."),
        done=gettext_lazy("The case was sent back for changes."),
        form=ReasonForm,
    ),
    Step(
        url_name="referrals:reject",
        transition="reject",
        run=lambda case, by, data: services.reject_case(case, by=by, reason=data["reason"]),
        label=gettext_lazy("Reject"),
        title=gettext_lazy("Reject the application"),
        intro=gettext_lazy("The case ends. Give the reason the coordinator will pass on."),
        done=gettext_lazy("The application was rejected."),
        form=ReasonForm,
    ),
)
# Closing, with the outcome, and reopening: IOM Finland.
ENDINGS = (
    Step(
        url_name="referrals:close",
        transition="close",
        run=lambda case, by, data: services.close_case(
            case, by=by, outcome=data["outcome"], note=data["note"]
        ),
        label=gettext_lazy("Close the case"),
        title=gettext_lazy("Close the case"),
        intro=gettext_lazy(
            "Record how the case ended. A closed case is read-only for everyone; IOM Finland "
            "can reopen it."
        ),
        done=gettext_lazy("The case was closed."),
        form=CloseForm,
    ),
    Step(
        url_name="referrals:reopen",
        transition="reopen",
        run=lambda case, by, data: services.reopen_case(case, by=by, reason=data["reason"]),
        label=gettext_lazy("Reopen the case"),
        title=gettext_lazy("Reopen the case"),
        intro=gettext_lazy("The case goes back to where it was closed from, its history kept."),
        done=gettext_lazy("The case was reopened."),
        form=ReasonForm,
    ),
)
# A person found not eligible: the region's coordinator may reopen the screening.
RECONSIDER = Step(
    url_name="referrals:reconsider",
    transition="reconsider",
    run=lambda case, by, data: services.reconsider_eligibility(case, by=by, reason=data["reason"]),
    label=gettext_lazy("Reopen the screening"),
    title=gettext_lazy("Reopen the screening"),
    intro=gettext_lazy(
        "The case goes back to screening and your region works on it again. The earlier "
        "screening stays on the case until you save a new one."
    ),
    done=gettext_lazy("The screening was reopened."),
    form=ReasonForm,
)
STEPS = (WITHDRAW, *DECISIONS, *ENDINGS, RECONSIDER)


def _transition_pages(case: Case) -> dict[str, tuple[str, str, str]]:
    """Where each of the case's own transitions is taken: name -> (url, label, style)."""
    url = lambda name: reverse(f"referrals:{name}", args=[case.uuid])  # noqa: E731
    screening = (url("eligibility"), _("Screen eligibility"), "link")
    pages = {
        "start_screening": (url("start-screening"), _("Start screening"), "post"),
        "mark_eligible": screening,
        "mark_ineligible": screening,
        "submit": (url("submit"), _("Check and submit to IOM Finland"), "link"),
    }
    for step in STEPS:
        pages[step.transition] = (reverse(step.url_name, args=[case.uuid]), str(step.label), "link")
    return pages


def _next_step(case: Case, user, tasks) -> tuple[str, str, str] | None:
    """(url, label, style) of the step that takes the case on from where it is now, for
    `user`: the first of the case's transitions (in the state machine's order) the user may
    take now that neither ends the case nor sends it back, and that has a page here. Where
    that step has conditions still to meet (the submission's tasks), the first task to do."""
    pages = _transition_pages(case)
    for transition in case.get_available_user_state_transitions(user):
        method = getattr(Case, transition.name)
        if transition.name not in pages or fsm.goes_back(method):
            continue
        if fsm.targets(method) & FINAL_STATES:
            continue
        if transition.name == "submit":
            for _label, missing, link, action in tasks:
                if missing and link:
                    return link, str(action), "link"
        return pages[transition.name]
    return None


def _actions(case: Case, user) -> list[tuple[str, str, str]]:
    """(url, label, style) of what the user may do now: no button for anything else."""
    url = lambda name: reverse(f"referrals:{name}", args=[case.uuid])  # noqa: E731
    items = []
    if has_transition_perm(case.start_screening, user):
        items.append((url("start-screening"), _("Start screening"), "post"))
    if has_transition_perm(case.mark_eligible, user):
        items.append((url("eligibility"), _("Screen eligibility"), "link"))
    if has_transition_perm(case.submit, user):
        items.append((url("application"), _("Fill in the application"), "link"))
        items.append((url("submit"), _("Check and submit to IOM Finland"), "link"))
    if permissions.can_work(case, user):
        items.append((url("child-new"), _("Add an accompanying child"), "link"))
        if case.consultation_shared_at is None and case.submitted_at is None:
            # The label says what the page will say: anonymous only without the consent.
            if current_consents(case).get(ConsentPurpose.IOM_FINLAND):
                items.append((url("consultation"), _("Consult IOM Finland"), "link"))
            else:
                items.append((url("consultation"), _("Consult IOM Finland anonymously"), "link"))
        items.append((url("document-upload"), _("Upload a document"), "link"))
        items.append((url("assign"), _("Assign a social worker"), "link"))
        items.append((url("transfer"), _("Transfer to another region"), "link"))
    items += [(link, label, "link") for link, label in step_actions(case, [WITHDRAW], user)]
    if permissions.can_record_consent(case, user):
        items.append((url("consent"), _("Record consent or its withdrawal"), "link"))
    steps = (*DECISIONS, *ENDINGS, RECONSIDER)
    items += [(link, label, "link") for link, label in step_actions(case, steps, user)]
    return items


def _changes_requested(case: Case, decisions: list[Decision]) -> Decision | None:
    """IOM Finland's request for changes, while the case waits to be submitted again."""
    if decisions and can_proceed(case.submit):
        last = decisions[-1]
        if last.outcome == Decision.Outcome.CHANGES_REQUESTED:
            return last
    return None


def _last_transfer(events: list[CaseEvent]) -> dict | None:
    """Where the case came from, when, by whom and why: its last transfer."""
    transfers = [event for event in events if event.action == "case.transferred"]
    if not transfers:
        return None
    event = max(transfers, key=lambda event: (event.at, event.id))
    origin, reason = timeline.transfer_origin(event.params or {}, event.note)
    return {"event": event, "origin": origin, "reason": reason}


def case_detail(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid)
    user = request.user
    identity = permissions.can_see_identity(case, user)
    can_work = permissions.can_work(case, user)
    people = list(case.people.all()) if identity else []
    # What the next step needs, for those preparing it (screening or preparing).
    preparing = has_transition_perm(case.mark_eligible, user) or has_transition_perm(
        case.submit, user
    )
    tasks = registry.submission_tasks(case) if preparing else []
    next_step = _next_step(case, user, tasks)
    actions = [action for action in _actions(case, user) if action[0] != (next_step or ("",))[0]]
    decisions = list(case.decisions.select_related("coordinator", "iom_user"))
    events = list(case.events.select_related("actor__organisation"))
    context = {
        "case": case,
        "identity": identity,
        "people": people,
        "consents": list(case.consents.select_related("recorded_by")) if identity else [],
        "eligibility": EligibilityAssessment.objects.filter(case=case).first(),
        "application": Application.objects.filter(case=case).first(),
        "documents": list(case.documents.all()),
        "decisions": decisions,
        "changes_requested": _changes_requested(case, decisions),
        "transfer": _last_transfer(events),
        "days": timeline.days(events, identity=identity),
        "next_step": next_step,
        "actions": actions,
        "links": registry.case_links(case, user),
        "tasks": tasks,
        "can_work": can_work,
        "referral_note": bool(case.referral_note)
        and permissions.can_read_referral_note(case, user),
    }
    audit.record(request, "case.viewed", case, "identity" if identity else "pseudonym")
    return render(request, "referrals/case_detail.html", context)


def _chosen(request: HttpRequest, name: str, choices) -> dict:
    """The initial choice `?name=` asks for (a task's link: the purpose, the kind), if it
    is one of `choices`."""
    value = request.GET.get(name, "")
    return {name: value} if value in choices.values else {}


def _done(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("referrals:case", case.uuid)


@require_POST
@case_page()
def start_screening(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(
        request,
        case_uuid,
        available=lambda case: can_proceed(case.start_screening),
        allowed=permissions.can_work,
    )
    services.start_screening(case, by=request.user)
    return _done(request, case, _("Screening has started."))


@require_http_methods(["GET", "POST"])
@case_page()
def eligibility(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, available=_open, allowed=permissions.can_work)
    form = EligibilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assessment = services.assess_eligibility(case, by=request.user, **form.cleaned_data)
        if assessment.is_eligible:
            return _done(request, case, _("Eligible: the application can be prepared."))
        messages.warning(request, _("Not eligible:"))
        for reason in assessment.reasons_not_eligible():
            messages.warning(request, reason)
        return redirect("referrals:case", case.uuid)
    return form_page(
        request,
        case,
        form,
        title=_("Screen eligibility"),
        submit_label=_("Save the screening"),
        intro=_("All the criteria must hold for the person to be eligible."),
    )


@require_http_methods(["GET", "POST"])
@case_page()
def consent(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_record_consent)
    # A task of the case page links here with the purpose it needs (one purpose, or ticked
    # among several).
    chosen = _chosen(request, "purpose", ConsentPurpose)
    if chosen:
        chosen["purposes"] = [chosen["purpose"]]
    form = ConsentForm(request.POST or None, initial=chosen)
    if request.method == "POST" and form.is_valid():
        services.record_consents(case, by=request.user, **form.cleaned_data)
        return _done(request, case, _("The consent was recorded."))
    return form_page(
        request,
        case,
        form,
        title=_("Record consent"),
        submit_label=_("Record"),
        intro=_(
            "Each entry is kept: a withdrawal is a new entry. Record the person's decision "
            "once for every purpose it covers."
        ),
    )


@require_http_methods(["GET", "POST"])
@case_page()
def application(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, available=_open, allowed=permissions.can_work)
    existing = Application.objects.filter(case=case).first()
    form = ApplicationForm(
        request.POST or None,
        instance=existing,
        destination_country=case.destination_country.code or "",
        destinations=grants.destinations_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        country = data.pop("destination_country")
        services.save_application(case, by=request.user, destination_country=country, **data)
        return _done(request, case, _("The application was saved."))
    return form_page(
        request, case, form, title=_("Application"), submit_label=_("Save the application")
    )


def _needs(application: Application) -> list[str]:
    """What the returnee needs for the journey, in words."""
    needs = [
        (application.needs_travel_document, _("travel document")),
        (application.needs_escort, _("escort")),
        (application.needs_medical_care, _("medical care")),
    ]
    return [label for needed, label in needs if needed]


@require_http_methods(["GET", "POST"])
@case_page()
def submit(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, available=_open, allowed=permissions.can_work)
    if request.method == "POST":
        services.submit_case(case, by=request.user)
        return _done(request, case, _("The case was submitted to IOM Finland."))
    application = Application.objects.filter(case=case).first()
    return form_page(
        request,
        case,
        None,
        title=_("Check and submit"),
        submit_label=_("Submit to IOM Finland"),
        problems=services.submission_problems(case),
        template="referrals/submit.html",
        extra={
            "application": application,
            "needs": _needs(application) if application else [],
            "returnee": case.people.filter(relation=Person.Relation.RETURNEE).first(),
        },
    )


@require_http_methods(["GET", "POST"])
@case_page()
def consultation(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, available=_open, allowed=permissions.can_work)
    # What IOM Finland will see is what the grants will give it once the case is shared
    # (`grants.desired_grants`): the identity as soon as consent to share with IOM Finland
    # holds, the pseudonym alone otherwise. The page says which, before anything is sent.
    with_identity = bool(current_consents(case).get(ConsentPurpose.IOM_FINLAND))
    if request.method == "POST":
        services.share_for_consultation(case, by=request.user)
        if with_identity:
            done = _("IOM Finland can now see the case, with the names and dates of birth.")
        else:
            done = _("IOM Finland can now see the case under its pseudonym.")
        return _done(request, case, done)
    if with_identity:
        title = _("Consult IOM Finland")
        submit_label = _("Share with IOM Finland")
        intro = _(
            "The returnee has consented to sharing with IOM Finland, so this is not "
            "anonymous: IOM Finland will see the names, dates of birth, identity documents "
            "and phone numbers of the returnee and of every accompanying child."
        )
    else:
        title = _("Consult IOM Finland anonymously")
        submit_label = _("Share under the pseudonym")
        intro = _(
            "IOM Finland will see the case under its pseudonym: no name, date of birth, "
            "identity document or contact detail."
        )
    return form_page(request, case, None, title=title, submit_label=submit_label, intro=intro)


@require_http_methods(["GET", "POST"])
@case_page()
def assign(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, available=_open, allowed=permissions.can_work)
    candidates = User.objects.filter(
        is_active=True,
        groups__name=Role.SOCIAL_WORKER,
        organisation__kind=OrganisationKind.SOCIAL_SERVICES,
    ).select_related("organisation")
    form = AssignForm(
        request.POST or None, queryset=candidates, initial={"social_worker": case.social_worker}
    )
    if request.method == "POST" and form.is_valid():
        services.assign_social_worker(
            case, by=request.user, social_worker=form.cleaned_data["social_worker"]
        )
        return _done(request, case, _("The assignment was saved."))
    return form_page(request, case, form, title=_("Assign a social worker"), submit_label=_("Save"))


@require_http_methods(["GET", "POST"])
@case_page()
def transfer(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, available=_open, allowed=permissions.can_work)
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.transfer_case(
            case,
            by=request.user,
            region=form.cleaned_data["region"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("The case was transferred."))
        return redirect("referrals:cases")
    return form_page(
        request,
        case,
        form,
        title=_("Transfer to another region"),
        submit_label=_("Transfer"),
        intro=_("The new region's coordinators take over; you lose access to the case."),
    )


@require_http_methods(["GET", "POST"])
@case_page()
def document_upload(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, available=_open, allowed=permissions.can_work)
    form = DocumentForm(
        request.POST or None,
        request.FILES or None,
        initial=_chosen(request, "kind", Document.Kind),
    )
    if request.method == "POST" and form.is_valid():
        services.add_document(
            case,
            by=request.user,
            kind=form.cleaned_data["kind"],
            document=form.cleaned_data["file"],
        )
        return _done(request, case, _("The document was uploaded."))
    return form_page(
        request, case, form, title=_("Upload a document"), submit_label=_("Upload"), multipart=True
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
    language = pdf_language(request)
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
@case_page()
def person_edit(request: HttpRequest, case_uuid, person_uuid=None) -> HttpResponse:
    """Edit the returnee's or a child's details; without a person, add a child."""
    case = get_case(request, case_uuid, available=_open, allowed=permissions.can_work)
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
        services.save_person(case, by=request.user, person=person, **fields)
        return _done(request, case, _("The details were saved."))
    title = _("Add an accompanying child") if person is None else _("Personal details")
    return form_page(request, case, form, title=title, submit_label=_("Save"))
