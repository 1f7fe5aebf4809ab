"""The travel plan page, its forms and confirmations, and the itinerary PDF. Every view
fetches its case through `referrals.views.get_case` (404 for a case the user may not see,
403 for one they may not act on)."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_fsm import can_proceed

from ampcase import audit
from referrals.forms import ReasonForm
from referrals.models import Application, Case, CaseState, Person
from referrals.views import get_case

from . import permissions, services
from .forms import FlightForm, TravelDocumentForm, TravelPlanForm
from .models import LIVE_STATES, FlightSegment, TravelPlan
from .models import TravelState as T

TRAVEL_CASE_STATES = {CaseState.APPROVED, CaseState.IN_TRANSIT, CaseState.REINTEGRATION}


def case_link(case: Case, user) -> tuple[str, str] | None:
    """The case page's link to the travel plan, once there is a journey to plan."""
    if case.state not in TRAVEL_CASE_STATES or not permissions.can_read(case, user):
        return None
    return reverse("reintegration:travel", args=[case.uuid]), _("Travel plan")


def _back(case: Case):
    return redirect("reintegration:travel", case.uuid)


def _failed(request, case, error: services.TravelError):
    messages.error(request, error.message)
    for problem in error.problems:
        messages.error(request, problem)
    return _back(case)


def _live(case: Case) -> TravelPlan:
    plan = services.live_plan(case)
    if plan is None:
        raise Http404
    return plan


class _Stale(Exception):
    """The page asked for does not fit the journey any more (booked meanwhile, say)."""

    def __init__(self, message: str):
        self.message = message


def _planning(case: Case) -> TravelPlan:
    plan = _live(case)
    if plan.state != T.PLANNING:
        raise _Stale(
            _("A booked journey cannot be changed. Reopen the booking first to change it.")
        )
    return plan


def _stale_redirects(view):
    """A form or confirmation page opened on a journey that moved on (an old link, another
    tab, a colleague's change) says so on the travel page instead of offering a dead end."""

    @functools.wraps(view)
    def wrapper(request, case_uuid, *args, **kwargs):
        try:
            return view(request, case_uuid, *args, **kwargs)
        except _Stale as stale:
            messages.error(request, stale.message)
            return redirect("reintegration:travel", case_uuid)

    return wrapper


def _form_page(request, case, form, title, submit_label, intro="", problems=()):
    # A form about a journey shows personal data: opening one is a read, and audited.
    if request.method == "GET":
        audit.record(request, "travel.form_viewed", case, request.resolver_match.view_name)
    return render(
        request,
        "reintegration/form.html",
        {
            "case": case,
            "form": form,
            "title": title,
            "submit_label": submit_label,
            "intro": intro,
            "problems": problems,
        },
    )


def _actions(case: Case, plan: TravelPlan | None, user) -> list[tuple[str, str]]:
    """(url name, label) of what the user may do with the journey now."""
    items = []
    if permissions.can_plan(case, user):
        if plan is None:
            items.append(("travel-start", _("Start a travel plan")))
        elif plan.state == T.PLANNING:
            items += [
                ("travel-edit", _("Change escort, reception and transport")),
                ("flight-new", _("Add a flight")),
                ("book", _("Check and mark as booked")),
                ("cancel", _("Cancel the journey")),
            ]
        elif plan.state == T.BOOKED:
            items += [
                ("depart", _("Record the departure")),
                ("reopen", _("Change the booking")),
                ("cancel", _("Cancel the journey")),
                ("incident", _("Report an incident")),
            ]
        elif plan.state == T.DEPARTED:
            items.append(("incident", _("Report an incident")))
    if plan is not None and plan.state == T.DEPARTED and permissions.can_receive(case, user):
        items.insert(0, ("arrive", _("Record the arrival")))
    return [(reverse(f"reintegration:{name}", args=[case.uuid]), label) for name, label in items]


def travel(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_read)
    plans = list(case.travel_plans.select_related("booked_by"))
    plan = next((p for p in plans if p.state in LIVE_STATES), None)
    flights = list(plan.flights.all()) if plan else []
    documents = {d.person_id: d for d in plan.documents.all()} if plan else {}
    travellers = [(person, documents.get(person.pk)) for person in services.travellers(case)]
    editable = (
        plan is not None and plan.state == T.PLANNING and permissions.can_plan(case, request.user)
    )
    audit.record(request, "travel.viewed", case, plan.state if plan else "none")
    return render(
        request,
        "reintegration/travel.html",
        {
            "case": case,
            "plan": plan,
            "earlier": [p for p in plans if p is not plan],
            "flights": flights,
            "travellers": travellers,
            "editable": editable,
            "problems": services.booking_problems(plan) if editable else [],
            "actions": _actions(case, plan, request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@_stale_redirects
def plan_form(request: HttpRequest, case_uuid, start: bool = False) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_plan)
    if start and services.live_plan(case) is not None:
        raise _Stale(_("This case already has a travel plan."))
    plan = None if start else _planning(case)
    initial = {}
    if start:
        # The application said whether an escort is needed: the plan starts from it.
        application = Application.objects.filter(case=case).first()
        initial["escort_needed"] = bool(application and application.needs_escort)
    form = TravelPlanForm(request.POST or None, instance=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.PLAN_FIELDS}
        try:
            if start:
                services.start_plan(case, by=request.user, **fields)
            else:
                services.change_plan(case, by=request.user, **fields)
        except services.TravelError as error:
            return _failed(request, case, error)
        messages.success(request, _("The travel plan was saved."))
        return _back(case)
    title = _("Start a travel plan") if start else _("Escort, reception and transport")
    return _form_page(request, case, form, title, _("Save"))


@require_http_methods(["GET", "POST"])
@_stale_redirects
def flight(request: HttpRequest, case_uuid, flight_uuid=None) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_plan)
    instance = None
    if flight_uuid is not None:
        instance = FlightSegment.objects.filter(uuid=flight_uuid, plan__case=case).first()
        if instance is None:
            raise Http404
    _planning(case)
    form = FlightForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.FLIGHT_FIELDS}
        if instance is not None:
            instance.refresh_from_db()
        try:
            services.save_flight(case, by=request.user, flight=instance, **fields)
        except services.TravelError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The flight was saved."))
            return _back(case)
    title = _("Add a flight") if instance is None else _("Change the flight")
    return _form_page(request, case, form, title, _("Save the flight"))


@require_POST
def delete_flight(request: HttpRequest, case_uuid, flight_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_plan)
    instance = FlightSegment.objects.filter(uuid=flight_uuid, plan__case=case).first()
    if instance is None:
        raise Http404
    try:
        services.delete_flight(case, by=request.user, flight=instance)
    except services.TravelError as error:
        return _failed(request, case, error)
    messages.success(request, _("The flight was removed."))
    return _back(case)


@require_http_methods(["GET", "POST"])
@_stale_redirects
def travel_document(request: HttpRequest, case_uuid, person_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_plan)
    person = Person.objects.filter(uuid=person_uuid, case=case).first()
    if person is None:
        raise Http404
    plan = _planning(case)
    existing = plan.documents.filter(person=person).first()
    form = TravelDocumentForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_travel_document(case, by=request.user, person=person, **form.cleaned_data)
        except services.TravelError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The travel document was saved."))
            return _back(case)
    return _form_page(
        request,
        case,
        form,
        _("Travel document"),
        _("Save the document"),
        # The page title stays free of the name (browser history); the text names the person.
        _("For %(name)s.") % {"name": f"{person.given_name} {person.family_name}"},
    )


# Steps of the journey: a confirmation page (with a reason where one is needed), then the
# service. (permission, form, service call, title, what will happen, done message)
_STEPS = {
    "book": (
        permissions.can_plan,
        None,
        lambda case, by, data: services.book(case, by=by),
        gettext_lazy("Mark the journey as booked"),
        gettext_lazy(
            "Book the tickets first. The flights and documents are then locked; to change them, "
            "reopen the booking."
        ),
        gettext_lazy("The journey is booked."),
    ),
    "reopen": (
        permissions.can_plan,
        ReasonForm,
        lambda case, by, data: services.reopen(case, by=by, reason=data["reason"]),
        gettext_lazy("Change the booking"),
        gettext_lazy(
            "The journey goes back to planning, so that flights and documents can change."
        ),
        gettext_lazy("The booking can be changed."),
    ),
    "depart": (
        permissions.can_plan,
        None,
        lambda case, by, data: services.record_departure(case, by=by),
        gettext_lazy("Record the departure"),
        gettext_lazy(
            "The returnee has left Sweden. The case is then in transit and can no longer be "
            "withdrawn."
        ),
        gettext_lazy("The departure was recorded."),
    ),
    "arrive": (
        permissions.can_receive,
        None,
        lambda case, by, data: services.record_arrival(case, by=by),
        gettext_lazy("Record the arrival"),
        gettext_lazy("The returnee was met at the destination. Reintegration starts today."),
        gettext_lazy("The arrival was recorded."),
    ),
    "cancel": (
        permissions.can_plan,
        ReasonForm,
        lambda case, by, data: services.cancel(case, by=by, reason=data["reason"]),
        gettext_lazy("Cancel the journey"),
        gettext_lazy("The plan is kept with your reason. A new plan can be started afterwards."),
        gettext_lazy("The journey was cancelled."),
    ),
    "incident": (
        permissions.can_plan,
        ReasonForm,
        lambda case, by, data: services.report_incident(case, by=by, description=data["reason"]),
        gettext_lazy("Report an incident"),
        gettext_lazy(
            "For a journey that failed: the returnee did not travel, or left in transit. The plan "
            "ends with what you write; a new plan can be started afterwards."
        ),
        gettext_lazy("The incident was recorded."),
    ),
}


# The travel plan's transition behind each step, where the names differ.
_TRANSITIONS = {"incident": "report_incident"}


@require_http_methods(["GET", "POST"])
@_stale_redirects
def step(request: HttpRequest, case_uuid, action: str) -> HttpResponse:
    allowed, form_class, run, title, intro, done = _STEPS[action]
    case = get_case(request, case_uuid, allowed=allowed)
    plan = _live(case)
    if not can_proceed(getattr(plan, _TRANSITIONS.get(action, action))):
        raise _Stale(
            _("The travel plan is now “%(state)s”, so this cannot be done. Reload the page.")
            % {"state": plan.get_state_display()}
        )
    form = form_class(request.POST or None) if form_class else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            run(case, request.user, form.cleaned_data if form else {})
        except services.TravelError as error:
            return _failed(request, case, error)
        messages.success(request, str(done))
        return _back(case)
    problems = services.booking_problems(plan) if action == "book" else []
    return _form_page(request, case, form, title, title, intro, problems)


def itinerary_pdf(request: HttpRequest, case_uuid) -> HttpResponse:
    """The itinerary of the live journey, in Swedish or English, for the travellers and
    the people who meet them."""
    from ampcase.lib.pdf import pdf_response, render_pdf

    case = get_case(request, case_uuid, allowed=permissions.can_read)
    plan = _live(case)
    language = request.GET.get("lang", "sv")
    language = language if language in {"sv", "en"} else "sv"
    documents = {d.person_id: d for d in plan.documents.all()}
    pdf = render_pdf(
        "pdf/itinerary.html",
        {
            "case": case,
            "plan": plan,
            "flights": list(plan.flights.all()),
            "travellers": [(p, documents.get(p.pk)) for p in services.travellers(case)],
        },
        language=language,
    )
    audit.record(request, "travel.itinerary_downloaded", case, language)
    return pdf_response(pdf, f"{case.reference}-itinerary-{language}")
