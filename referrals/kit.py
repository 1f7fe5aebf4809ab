"""The case-page kit: what every page about a case is made of, in every app.

    @case_page(back="risk:table")          # where a refusal or a stale page returns to
    def row(request, case_uuid, row_uuid=None):
        case = get_case(request, case_uuid, available=editable, allowed=permissions.can_edit)
        ...
        services.add_row(case, by=request.user, **fields)   # a CaseError becomes a message
        ...
        return form_page(request, case, form, title=..., back=Back("risk:table", ...))

- `get_case`: 404 when the user may not see the case (exactly like a case that does not
  exist), the case's state when the page no longer fits it (`available`), 403 when the user
  sees it but may not act (`allowed`). In that order: a page opened on a case that moved on
  (an old link, another tab, a colleague's change, a double click) tells the user what the case
  is now, and never reads "access denied" to someone who held the right a moment ago.
- `case_page`: turns a service's refusal (`CaseError`, with what is missing) or a stale page
  into messages on the page the step belongs to.
- `form_page`: the one form template (`referrals/form.html`); opening a form is a read of the
  case, audited like one.
- `Step`: a confirmed step (a confirmation page, with a reason where one is needed, then a
  service), described once; `step_view` serves every step, `step_urls` routes them and
  `step_actions` lists the ones the user may take now. Who may, and when, come from the step's
  transition: its `permission=` rule and its `source` states.
- `pdf_language`: the language a PDF is asked for in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods
from django_fsm import can_proceed, has_transition_perm

from ampcase import audit

from . import permissions
from .models import Case
from .services import CaseError, now_in_state

Rule = Callable[[Case, Any], bool]


class Stale(CaseError):
    """The page asked for does not fit the state its case (or the case's plan) is in now."""

    def __init__(self, obj):
        super().__init__(now_in_state(obj))


def get_case(
    request: HttpRequest,
    case_uuid,
    *,
    available: Callable[[Case], bool] | None = None,
    allowed: Rule | None = None,
) -> Case:
    """The case, if the user may see it (else 404), if the page fits the state it is in now
    (else `Stale`, see `case_page`) and, with `allowed`, if the user may act on it (else 403).
    Every case view starts here."""
    case = Case.objects.select_related("region", "social_worker").filter(uuid=case_uuid).first()
    if case is None or not permissions.can_view(case, request.user):
        if case is not None:
            audit.record(request, "access.denied", case, "not in scope")
        raise Http404
    if available is not None and not available(case):
        raise Stale(case)
    if allowed is not None and not allowed(case, request.user):
        # A colleague's change may have committed between reading the case and reading the
        # permissions it changed: read the case again before refusing.
        case.refresh_from_db()
        if available is not None and not available(case):
            raise Stale(case)
        raise PermissionDenied
    return case


def refused(request: HttpRequest, error: CaseError, to: str) -> HttpResponse:
    """A service's refusal, and everything it says is missing, as messages on page `to`."""
    messages.error(request, error.message)
    for problem in error.problems:
        messages.error(request, problem)
    return redirect(to)


@dataclass(frozen=True)
class Back:
    """The page a form or a step belongs to: its caption links there, and so do "Cancel",
    the step's end and a refusal. `keys` names the URL's parts beyond the case's uuid that
    the page needs too (a payment's page: `payment_uuid`)."""

    url_name: str = "referrals:case"
    label: str = ""
    keys: tuple[str, ...] = ()

    def url(self, case_uuid, /, **url_kwargs) -> str:
        kwargs = {"case_uuid": case_uuid, **{key: url_kwargs[key] for key in self.keys}}
        return reverse(self.url_name, kwargs=kwargs)

    def text(self, case: Case) -> str:
        return f"{case.reference}: {self.label}" if self.label else case.reference


def case_page(back: Back | str = "referrals:case"):
    """Decorator for a view of a case (`view(request, case_uuid, ...)`): a refusal or a stale
    page goes back to the page `back` (a `Back`, or the URL name of a page that takes the
    case's uuid alone) with the reason. Views that show a refusal inside their form catch
    `CaseError` themselves."""
    page = back if isinstance(back, Back) else Back(back)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, case_uuid, *args, **kwargs):
            try:
                return view(request, case_uuid, *args, **kwargs)
            except CaseError as error:
                return refused(request, error, page.url(case_uuid, **kwargs))

        return wrapper

    return decorate


def form_page(
    request: HttpRequest,
    case: Case,
    form: forms.BaseForm | None,
    *,
    title: str,
    submit_label: str | None = None,
    intro: str = "",
    problems: Sequence[str] = (),
    problems_title: str = "",
    back: Back = Back(),  # noqa: B008  (frozen, so one shared default is safe)
    multipart: bool = False,
    read: tuple[str, str] | None = None,
    template: str = "referrals/form.html",
    extra: dict | None = None,
) -> HttpResponse:
    """The one form page (or a `template` that extends it, with `extra` context). Opening it
    is a read of the case: audited as `read` (action, summary), by default `case.form_viewed`
    with the view's name."""
    if request.method == "GET":
        action, summary = read or ("case.form_viewed", request.resolver_match.view_name)
        audit.record(request, action, case, summary)
    return render(
        request,
        template,
        {
            **(extra or {}),
            "case": case,
            "form": form,
            "title": title,
            "submit_label": submit_label or title,
            "intro": intro,
            "problems": problems,
            "problems_title": problems_title,
            "back_url": back.url(case.uuid, **request.resolver_match.kwargs),
            "back_text": back.text(case),
            "multipart": multipart,
        },
    )


def _the_case(case: Case) -> Case:
    return case


@dataclass(frozen=True)
class Step:
    """A confirmed step on a case: a confirmation page that says what will happen (with a
    form where a reason is needed), then a service. Who may take it and when come from
    `transition` on `subject` (the case itself, or a row of it such as the travel plan): its
    `permission=` rule and its source states."""

    url_name: str  # "reintegration:book": also the last part of the step's path
    transition: str  # the transition on `subject` the step takes
    run: Callable[[Any, Any, dict], object]  # the service, given (subject, user, cleaned data)
    label: str  # the link on the page the step belongs to
    title: str  # the confirmation page's heading and button
    intro: str  # what will happen
    done: str  # said once it has happened
    form: type[forms.Form] | None = None
    # What the step acts on, from the case and the URL's other parts; None for nothing (404).
    subject: Callable[..., Any] = _the_case
    back: Back = Back()  # noqa: RUF009  (frozen)
    # What stands in the way, shown on the confirmation page under `problems_title`.
    problems: Callable[[Any], list[str]] | None = None
    problems_title: str = ""
    # Asked before the page is shown or the step taken: a response (say, a request for a
    # fresh second factor) stops it there.
    guard: Callable[[HttpRequest], HttpResponse | None] | None = None
    # The last part of the step's path, when it is not the URL name's.
    path: str = ""
    # Keyword arguments the form is built with, from the subject (a form that starts from
    # the subject's data, or checks against it).
    form_kwargs: Callable[[Any], dict] | None = None
    # A confirmation page that shows more than the intro (a summary of what the step acts
    # on): a template extending `referrals/form.html`, and its context from the subject.
    template: str = "referrals/form.html"
    context: Callable[[Any], dict] | None = None

    def transition_of(self, subject) -> Callable[..., Any]:
        return getattr(subject, self.transition)


@require_http_methods(["GET", "POST"])
def step_view(request: HttpRequest, case_uuid, step: Step, **url_kwargs) -> HttpResponse:
    """Serve `step`: the confirmation page, then the service. A step that no longer fits the
    state of its subject says what the subject is now (`Stale`), before any refusal. The URL's
    other parts (a payment's uuid) go to `step.subject`."""

    @case_page(back=step.back)
    def view(request, case_uuid, **url_kwargs):
        case = get_case(request, case_uuid)
        subject = step.subject(case, **url_kwargs)
        if subject is None:
            raise Http404
        transition = step.transition_of(subject)
        if not can_proceed(transition):
            raise Stale(subject)
        if not has_transition_perm(transition, request.user):
            # The permissions may already reflect a colleague's change that committed after
            # the subject was read (a lost race): what it is now comes before a refusal.
            subject = step.subject(get_case(request, case_uuid), **url_kwargs)
            if subject is None:
                raise Http404
            if not can_proceed(step.transition_of(subject)):
                raise Stale(subject)
            raise PermissionDenied
        if step.guard is not None and (stop := step.guard(request)) is not None:
            return stop
        form = None
        if step.form:
            kwargs = step.form_kwargs(subject) if step.form_kwargs else {}
            form = step.form(request.POST or None, **kwargs)
        if request.method == "POST" and (form is None or form.is_valid()):
            step.run(subject, request.user, form.cleaned_data if form else {})
            messages.success(request, str(step.done))
            return redirect(step.back.url(case.uuid, **url_kwargs))
        return form_page(
            request,
            case,
            form,
            title=step.title,
            intro=step.intro,
            problems=step.problems(subject) if step.problems else (),
            problems_title=step.problems_title,
            back=step.back,
            template=step.template,
            extra=step.context(subject) if step.context else None,
        )

    return view(request, case_uuid, **url_kwargs)


def step_urls(prefix: str, steps: Sequence[Step]) -> list:
    """URL patterns for `steps`, each at `prefix` + its name + "/"."""
    patterns = []
    for step in steps:
        name = step.url_name.split(":", 1)[1]
        segment = step.path or name
        patterns.append(path(f"{prefix}{segment}/", step_view, {"step": step}, name=name))
    return patterns


def step_actions(
    case: Case, steps: Sequence[Step], user, *, subject: Any = None, **url_kwargs
) -> list[tuple[str, str]]:
    """(url, label) of each of `steps` that fits now and that `user` may take. Pass `subject`
    when the page already holds it (the travel plan, a payment), and the URL's other parts (a
    payment's uuid) as keywords."""
    found = []
    for step in steps:
        acted_on = subject if subject is not None else step.subject(case, **url_kwargs)
        if acted_on is None:
            continue
        transition = step.transition_of(acted_on)
        if can_proceed(transition) and has_transition_perm(transition, user):
            url = reverse(step.url_name, kwargs={"case_uuid": case.uuid, **url_kwargs})
            found.append((url, str(step.label)))
    return found


def pdf_language(request: HttpRequest) -> str:
    """The language a PDF is asked for in (`?lang=`), one of the site's; Swedish otherwise."""
    language = request.GET.get("lang", "")
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
