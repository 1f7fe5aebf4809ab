"""The follow-up page of a case: the schedule of contacts, what is done and what is overdue,
how far the case is into the two-year window, and each contact's record. Built from the
case-page kit (`referrals.kit`).

Contact records are special-category personal data: IOM Finland and the destination's office
read them; the region's coordinators and the social worker see that contacts happen, not what
was said."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ampcase import audit
from ampcase.lib import dates
from referrals.kit import Back, case_page, form_page, get_case
from referrals.models import Case

from .. import permissions, question_sets
from ..models import (
    LAST_MONTH,
    REQUIRED_MONTHS,
    FollowUp,
    QuestionSet,
    ReintegrationCheck,
    ReintegrationPlan,
)
from ..services import followup as services
from ..services.support import support_open, support_readable


def case_link(case: Case, user) -> tuple[str, str] | None:
    """The case page's link to the follow-up, once the returnee has arrived."""
    if not support_readable(case) or not permissions.can_read_support(case, user):
        return None
    return reverse("reintegration:follow-up", args=[case.uuid]), _("Follow-up after arrival")


def _follow_up_page() -> Back:
    return Back("reintegration:follow-up", gettext_lazy("Follow-up after arrival"))


def _plan(case: Case) -> ReintegrationPlan:
    plan = ReintegrationPlan.objects.filter(case=case).first()
    if plan is None:
        raise Http404
    return plan


def follow_up(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(
        request, case_uuid, available=support_readable, allowed=permissions.can_read_support
    )
    plan = _plan(case)
    user = request.user
    contacts = list(FollowUp.objects.filter(case=case).select_related("recorded_by"))
    today = services.country_today(case)
    late = {f.pk for f in services.overdue(case, contacts)}
    # How far into the two years after arrival, in whole months (0 to 24).
    elapsed = min(LAST_MONTH, max(0, _months_between(plan.arrived_on, today)))
    answers = permissions.can_read_follow_ups(case, user)
    audit.record(request, "follow_up.viewed", case, "answers" if answers else "schedule")
    return render(
        request,
        "reintegration/follow_up.html",
        {
            "case": case,
            "plan": plan,
            "contacts": [(f, f.pk in late) for f in contacts],
            "today": today,
            "elapsed": elapsed,
            "months": _window(contacts, elapsed),
            "answers": answers,
            "checks": check_results(case) if answers else [],
            "has_baseline": ReintegrationCheck.objects.filter(
                case=case, follow_up__isnull=True
            ).exists(),
            "can_record": support_open(case) and permissions.can_support(case, user),
            "required_months": REQUIRED_MONTHS,
        },
    )


def _months_between(start, end) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def _window(contacts: list[FollowUp], elapsed: int) -> list[dict]:
    """The 24 months after arrival, for the timeline picture: each with whether it has passed
    and what its contact is (done, planned, none)."""
    by_month = {f.month: f for f in contacts}
    months = []
    for month in range(1, LAST_MONTH + 1):
        contact = by_month.get(month)
        status = "none" if contact is None else ("done" if contact.done else "planned")
        months.append({"month": month, "passed": month <= elapsed, "status": status})
    return months


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = list(services.FOLLOW_UP_FIELDS)
        widgets = {
            "how": forms.RadioSelect,
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in ("housing", "health", "income", "safety", "support_received", "notes")
            },
        }
        formfield_callback = dates.formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_on"].required = True
        self.fields["how"].required = True


@require_http_methods(["GET", "POST"])
@case_page(back="reintegration:follow-up")
def record(request: HttpRequest, case_uuid, month: int) -> HttpResponse:
    case = get_case(request, case_uuid, available=support_open, allowed=permissions.can_support)
    contact = FollowUp.objects.filter(case=case, month=month).first()
    if contact is None:
        raise Http404
    contact.case = case
    form = FollowUpForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.FOLLOW_UP_FIELDS}
        contact.refresh_from_db()
        contact.case = case
        try:
            recorded = services.record_follow_up(contact, by=request.user, **fields)
        except services.SupportError as error:
            form.add_error(None, error.message)
        else:
            if recorded.threat:
                messages.warning(
                    request,
                    _(
                        "IOM Finland and the region coordinator have been told, and the risk "
                        "table is to be reviewed."
                    ),
                )
            messages.success(request, _("The follow-up was recorded."))
            return redirect("reintegration:follow-up", case.uuid)
    return form_page(
        request,
        case,
        form,
        title=_("Follow-up, month %(month)s after arrival") % {"month": month},
        submit_label=_("Save the follow-up"),
        back=_follow_up_page(),
        read=("follow_up.form_viewed", f"month {month}"),
    )


class FurtherContactForm(forms.Form):
    month = forms.TypedChoiceField(
        label=gettext_lazy("Month after arrival"),
        coerce=int,
        choices=[(m, str(m)) for m in range(REQUIRED_MONTHS + 1, LAST_MONTH + 1)],
        help_text=gettext_lazy(
            "The first six months are always followed up; further contacts up to 24."
        ),
    )


@require_http_methods(["GET", "POST"])
@case_page(back="reintegration:follow-up")
def add(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, available=support_open, allowed=permissions.can_support)
    form = FurtherContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_follow_up(case, by=request.user, month=form.cleaned_data["month"])
        except services.SupportError as error:
            form.add_error("month", error.message)
        else:
            messages.success(request, _("The further contact was planned."))
            return redirect("reintegration:follow-up", case.uuid)
    return form_page(
        request,
        case,
        form,
        title=_("Plan a further contact"),
        submit_label=_("Plan it"),
        back=_follow_up_page(),
    )


# The reintegration check.


def _spec(question_set: QuestionSet) -> question_sets.QuestionSetSpec:
    return question_sets.parse(question_set.definition)


def _text(texts: dict) -> str:
    return texts.get(get_language()[:2]) or texts.get("en", "")


class CheckForm(forms.Form):
    done_on = dates.DateField(label=gettext_lazy("Date of the check"))

    def __init__(self, *args, spec: question_sets.QuestionSetSpec, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        for dimension in spec.dimensions:
            for question in dimension.questions:
                self.fields[f"q_{question.code}"] = forms.ChoiceField(
                    label=_text(question.text),
                    help_text=_text(dimension.label),
                    choices=[(a.code, _text(a.label)) for a in question.answers],
                    widget=forms.RadioSelect,
                    error_messages={"required": _("Choose an answer.")},
                )

    def answers(self) -> dict:
        return {q.code: self.cleaned_data[f"q_{q.code}"] for q in self.spec.questions}


@require_http_methods(["GET", "POST"])
@case_page(back="reintegration:follow-up")
def check(request: HttpRequest, case_uuid, month: int | None = None) -> HttpResponse:
    """The baseline check (no month), or the check at a follow-up."""
    case = get_case(request, case_uuid, available=support_open, allowed=permissions.can_support)
    contact = None
    if month is not None:
        contact = FollowUp.objects.filter(case=case, month=month).first()
        if contact is None:
            raise Http404
    question_set = services.current_question_set()
    spec = _spec(question_set)
    form = CheckForm(request.POST or None, spec=spec)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_check(
                case,
                by=request.user,
                follow_up=contact,
                done_on=form.cleaned_data["done_on"],
                answers=form.answers(),
            )
        except services.SupportError as error:
            form.add_error(None, error.message)
            for problem in error.problems:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The reintegration check was recorded."))
            return redirect("reintegration:follow-up", case.uuid)
    title = (
        _("Reintegration check at the baseline")
        if contact is None
        else _("Reintegration check, month %(month)s after arrival") % {"month": month}
    )
    intro = _text(question_set.definition.get("note", {})) if spec.interim else ""
    return form_page(
        request,
        case,
        form,
        title=title,
        intro=intro,
        submit_label=_("Save the check"),
        back=_follow_up_page(),
        read=("check.form_viewed", "baseline" if contact is None else f"month {month}"),
    )


# The charts: one a dimension, a line a question, the answer's place on its scale upwards.
CHART_WIDTH, CHART_HEIGHT, MARKERS = 300, 100, ("circle", "square", "triangle", "diamond")


def check_results(case: Case) -> list[dict]:
    """Per dimension: the questions with the answer of each check side by side (a table),
    the same as points of a small chart, and the scores where the set has weights."""
    checks = list(
        ReintegrationCheck.objects.filter(case=case)
        .select_related("question_set", "follow_up")
        .order_by("done_on", "id")
    )
    if not checks:
        return []
    weighted = {}
    for question_set in QuestionSet.objects.order_by("code", "-version"):
        if question_set.code not in weighted and question_set.definition.get("weights"):
            weighted[question_set.code] = _spec(question_set)
    latest = _spec(checks[-1].question_set)
    columns = [
        {
            "label": _("Baseline")
            if c.follow_up is None
            else _("Month %(month)s") % {"month": c.follow_up.month},
            "date": c.done_on,
            "spec": _spec(c.question_set),
            "answers": c.answers,
            "scores": question_sets.score(weighted[c.question_set.code], c.answers)
            if c.question_set.code in weighted
            else None,
        }
        for c in checks
    ]
    step = CHART_WIDTH / max(1, len(columns) - 1) if len(columns) > 1 else 0
    results = []
    for dimension in latest.dimensions:
        rows, lines = [], []
        for n, question in enumerate(dimension.questions):
            cells, points = [], []
            for x, column in enumerate(columns):
                asked = next((q for q in column["spec"].questions if q.code == question.code), None)
                answer = asked.answer(column["answers"].get(question.code)) if asked else None
                cells.append(_text(answer.label) if answer else "—")
                if answer:
                    place = asked.answers.index(answer) / max(1, len(asked.answers) - 1)
                    points.append((round(x * step + 10), round(CHART_HEIGHT - place * 80 - 10)))
            rows.append({"text": _text(question.text), "cells": cells})
            lines.append(
                {
                    "text": _text(question.text),
                    "marker": MARKERS[n % len(MARKERS)],
                    "dash": ("", "6 3", "2 3", "8 3 2 3")[n % 4],
                    "points": points,
                    "polyline": " ".join(f"{x},{y}" for x, y in points),
                }
            )
        scores = [
            (column["scores"] or {}).get(dimension.code) if column["scores"] else None
            for column in columns
        ]
        results.append(
            {
                "code": dimension.code,
                "label": _text(dimension.label),
                "rows": rows,
                "lines": lines,
                "scores": scores if any(s is not None for s in scores) else None,
            }
        )
    return [{"columns": columns, "dimensions": results, "interim": latest.interim}]
