"""The risk table page, its rows, versions and PDF, and the children's assessments. Built
from the case-page kit (`referrals.kit`): a form opened after the case was submitted says so
on the risk table page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ampcase import audit
from referrals.kit import Back, case_page, form_page, get_case, pdf_language
from referrals.models import Case, Person

from . import permissions, scale, services
from .forms import ChildAssessmentForm, RiskRowForm
from .models import ChildAssessment, RiskRow, RiskTable, TableState


def case_link(case: Case, user) -> tuple[str, str] | None:
    """The case page's link to this app, for those who may read the risk table."""
    if not permissions.can_read(case, user):
        return None
    return reverse("risk:table", args=[case.uuid]), _("Risk table and children's assessments")


def _back(case: Case):
    return redirect("risk:table", case.uuid)


def _table_page() -> Back:
    return Back("risk:table", _("Risk table"))


def _editing(request: HttpRequest, case_uuid) -> Case:
    """The case, for a page that changes its risk part."""
    return get_case(
        request, case_uuid, available=permissions.is_editable, allowed=permissions.can_edit
    )


def table(request: HttpRequest, case_uuid, version: int | None = None) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_read)
    tables = list(case.risk_tables.select_related("completed_by").order_by("-version"))
    editable = permissions.is_editable(case) and permissions.can_edit(case, request.user)
    if version is None:
        # Those who do not edit read the completed version, not a draft under way.
        wanted = {TableState.DRAFT, TableState.COMPLETED} if editable else {TableState.COMPLETED}
        shown = next((t for t in tables if t.state in wanted), None)
    else:
        shown = next((t for t in tables if t.version == version), None)
        if shown is None:
            raise Http404
    rows = list(shown.rows.all()) if shown else []
    assessments = {a.child_id: a for a in ChildAssessment.objects.filter(child__case=case)}
    children = [(child, assessments.get(child.pk)) for child in services.children_to_assess(case)]
    audit.record(request, "risk_table.viewed", case, f"v{shown.version}" if shown else "")
    return render(
        request,
        "risk/table.html",
        {
            "case": case,
            "table": shown,
            "tables": tables,
            "rows": rows,
            "overall": scale.overall(row.level for row in rows),
            "editable": editable and (shown is None or shown.state != TableState.SUPERSEDED),
            "children": children,
        },
    )


@require_http_methods(["GET", "POST"])
@case_page(back="risk:table")
def row(request: HttpRequest, case_uuid, row_uuid=None) -> HttpResponse:
    case = _editing(request, case_uuid)
    instance = None
    if row_uuid is not None:
        instance = (
            RiskRow.objects.select_related("table").filter(uuid=row_uuid, table__case=case).first()
        )
        if instance is None:
            raise Http404
    form = RiskRowForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if instance is None:
            services.add_row(case, by=request.user, **fields)
        else:
            services.change_row(instance, by=request.user, **fields)
        messages.success(request, _("The risk was saved."))
        return _back(case)
    return form_page(
        request,
        case,
        form,
        title=_("Add a risk") if instance is None else _("Change the risk"),
        submit_label=_("Save the risk"),
        back=_table_page(),
        read=("risk_row.viewed", f"v{instance.table.version}") if instance else None,
    )


@require_POST
@case_page(back="risk:table")
def delete_row(request: HttpRequest, case_uuid, row_uuid) -> HttpResponse:
    case = _editing(request, case_uuid)
    instance = RiskRow.objects.filter(uuid=row_uuid, table__case=case).first()
    if instance is None:
        raise Http404
    services.delete_row(instance, by=request.user)
    messages.success(request, _("The risk was removed."))
    return _back(case)


@require_http_methods(["GET", "POST"])
@case_page(back="risk:table")
def complete(request: HttpRequest, case_uuid) -> HttpResponse:
    case = _editing(request, case_uuid)
    if request.method == "POST":
        services.complete_table(case, by=request.user)
        messages.success(request, _("The risk table is completed and signed with your name."))
        return _back(case)
    return form_page(
        request,
        case,
        None,
        title=_("Complete and sign the risk table"),
        submit_label=_("Complete and sign"),
        intro=_(
            "The table is then locked and signed with your name and today's date. A later "
            "change starts a new version; this one stays readable."
        ),
        back=_table_page(),
    )


@require_POST
@case_page(back="risk:table")
def new_version(request: HttpRequest, case_uuid) -> HttpResponse:
    case = _editing(request, case_uuid)
    services.start_new_version(case, by=request.user)
    messages.success(request, _("A new version was started from the completed table."))
    return _back(case)


def table_pdf(request: HttpRequest, case_uuid, version: int) -> HttpResponse:
    from ampcase.lib.pdf import pdf_response, render_pdf

    case = get_case(request, case_uuid, allowed=permissions.can_read)
    shown = (
        RiskTable.objects.filter(case=case, version=version).select_related("completed_by").first()
    )
    if shown is None or shown.state == TableState.DRAFT:
        raise Http404
    language = pdf_language(request)
    rows = list(shown.rows.all())
    pdf = render_pdf(
        "pdf/risk_table.html",
        {
            "case": case,
            "table": shown,
            "rows": rows,
            "overall": scale.overall(r.level for r in rows),
        },
        language=language,
    )
    audit.record(request, "risk_table.downloaded", case, f"v{version} {language}")
    return pdf_response(pdf, f"{case.reference}-risk-v{version}-{language}")


@require_http_methods(["GET", "POST"])
@case_page(back="risk:table")
def child_assessment(request: HttpRequest, case_uuid, person_uuid) -> HttpResponse:
    case = _editing(request, case_uuid)
    child = Person.objects.filter(uuid=person_uuid, case=case).first()
    if child is None or child not in services.children_to_assess(case):
        raise Http404
    existing = ChildAssessment.objects.filter(child=child).first()
    separated = child.relation == Person.Relation.RETURNEE
    form = ChildAssessmentForm(
        request.POST or None,
        request.FILES or None,
        instance=existing,
        separated=separated,
        needs_document=existing is None or existing.best_interests_id is None,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        document = data.pop("best_interests_file", None)
        try:
            services.save_child_assessment(
                child, by=request.user, best_interests=document or None, **data
            )
        except services.RiskError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The child's assessment was saved."))
            return _back(case)
    return form_page(
        request,
        case,
        form,
        # The page title stays free of the child's name (browser history); the page names the
        # child in its text.
        title=_("A child's risk and protection assessment"),
        intro=_("For %(name)s.") % {"name": f"{child.given_name} {child.family_name}"},
        submit_label=_("Save the assessment"),
        back=_table_page(),
        multipart=True,
        read=("child_assessment.viewed", "existing" if existing else "new"),
    )
