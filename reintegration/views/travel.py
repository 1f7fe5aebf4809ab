"""The travel plan page, its forms and confirmations, and the itinerary PDF. Built from the
case-page kit (`referrals.kit`): 404 for a case the user may not see, the case's or the plan's
state for a page that no longer fits it, 403 for one they may not act on."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ampcase import audit
from referrals.forms import ReasonForm
from referrals.kit import Back, Step, case_page, form_page, get_case, pdf_language, step_actions
from referrals.models import Application, Case, Person

from .. import airports, permissions
from ..forms import FlightForm, JourneyMomentForm, TravelDocumentForm, TravelPlanForm
from ..models import ENDED_STATES, FlightSegment, TravelPlan
from ..services import travel as services


def case_link(case: Case, user) -> tuple[str, str] | None:
    """The case page's link to the travel plan, once there is a journey to plan."""
    if case.state not in services.JOURNEY_STATES or not permissions.can_read(case, user):
        return None
    return reverse("reintegration:travel", args=[case.uuid]), _("Travel plan")


def _travel_page() -> Back:
    return Back("reintegration:travel", gettext_lazy("Travel plan"))


def _back(case: Case):
    return redirect("reintegration:travel", case.uuid)


def _planning(request: HttpRequest, case_uuid) -> Case:
    """The case, for a page that plans its journey."""
    return get_case(
        request, case_uuid, available=services.journey_open, allowed=permissions.can_plan
    )


def _being_prepared(case: Case) -> TravelPlan:
    """The live plan, if flights, documents and arrangements may still change."""
    plan = services.live_plan(case)
    if plan is None:
        raise Http404
    if not plan.open_for_changes:
        raise services.TravelError(
            _("A booked journey cannot be changed. Reopen the booking first to change it.")
        )
    return plan


def _fix_url(case: Case, missing: services.Missing) -> str:
    """Where one thing missing for the booking is put right."""
    if missing.about == "flight" and missing.flight is not None:
        return reverse("reintegration:flight", args=[case.uuid, missing.flight.uuid])
    if missing.about == "document" and missing.person is not None:
        return reverse("reintegration:travel-document", args=[case.uuid, missing.person.uuid])
    if missing.about == "arrangements":
        return reverse("reintegration:travel-edit", args=[case.uuid])
    return reverse("reintegration:flight-new", args=[case.uuid])


def _missing(case: Case, plan: TravelPlan) -> list[tuple[str, str]]:
    """(what is missing, where it is put right) for the booking of `plan`."""
    return [
        (missing.text, _fix_url(case, missing)) for missing in services.missing_for_booking(plan)
    ]


def _flight_rows(flights: list[FlightSegment]) -> list[dict]:
    """Each flight with its airports (name, city) and its times, local at each airport."""
    return [
        {
            "flight": flight,
            "origin": airports.get(flight.from_airport),
            "destination": airports.get(flight.to_airport),
        }
        for flight in flights
    ]


def _booking_summary(plan: TravelPlan) -> dict:
    """What the booking page shows: what is being booked, or what is still missing."""
    case = plan.case
    documents = {d.person_id: d for d in plan.documents.all()}
    return {
        "plan": plan,
        "flight_rows": _flight_rows(list(plan.flights.all())),
        "travellers": [(p, documents.get(p.pk)) for p in services.travellers(case)],
        "missing": _missing(case, plan),
    }


# Steps of the journey: a confirmation page (with a reason where one is needed), then the
# service. In the order their links appear on the travel page.
def _step(name, transition, run, label, title, intro, done, form=None, **more) -> Step:
    return Step(
        url_name=f"reintegration:{name}",
        transition=transition,
        run=run,
        label=label,
        title=title,
        intro=intro,
        done=done,
        form=form,
        subject=services.latest_plan,
        back=_travel_page(),
        **more,
    )


STEPS = (
    _step(
        "arrive",
        "arrive",
        lambda plan, by, data: services.record_arrival(plan.case, by=by, at=data["moment"]),
        gettext_lazy("Record the arrival"),
        gettext_lazy("Record the arrival"),
        gettext_lazy(
            "The returnee was met at the destination. Reintegration starts on the day of arrival."
        ),
        gettext_lazy("The arrival was recorded."),
        form=JourneyMomentForm,
        form_kwargs=lambda plan: {"plan": plan, "departing": False},
    ),
    _step(
        "book",
        "book",
        lambda plan, by, data: services.book(plan.case, by=by),
        gettext_lazy("Check and mark as booked"),
        gettext_lazy("Mark the journey as booked"),
        gettext_lazy(
            "Book the tickets first. The flights and documents are then locked; to change them, "
            "reopen the booking."
        ),
        gettext_lazy("The journey is booked."),
        template="reintegration/book.html",
        context=_booking_summary,
    ),
    _step(
        "depart",
        "depart",
        lambda plan, by, data: services.record_departure(plan.case, by=by, at=data["moment"]),
        gettext_lazy("Record the departure"),
        gettext_lazy("Record the departure"),
        gettext_lazy(
            "The returnee has left Sweden. The case is then in transit and can no longer be "
            "withdrawn."
        ),
        gettext_lazy("The departure was recorded."),
        form=JourneyMomentForm,
        form_kwargs=lambda plan: {"plan": plan, "departing": True},
    ),
    _step(
        "reopen",
        "reopen",
        lambda plan, by, data: services.reopen(plan.case, by=by, reason=data["reason"]),
        gettext_lazy("Change the booking"),
        gettext_lazy("Change the booking"),
        gettext_lazy(
            "The journey goes back to planning, so that flights and documents can change."
        ),
        gettext_lazy("The booking can be changed."),
        form=ReasonForm,
    ),
    _step(
        "cancel",
        "cancel",
        lambda plan, by, data: services.cancel(plan.case, by=by, reason=data["reason"]),
        gettext_lazy("Cancel the journey"),
        gettext_lazy("Cancel the journey"),
        gettext_lazy("The plan is kept with your reason. A new plan can be started afterwards."),
        gettext_lazy("The journey was cancelled."),
        form=ReasonForm,
    ),
    _step(
        "incident",
        "report_incident",
        lambda plan, by, data: services.report_incident(
            plan.case, by=by, description=data["reason"]
        ),
        gettext_lazy("Report an incident"),
        gettext_lazy("Report an incident"),
        gettext_lazy(
            "For a journey that failed: the returnee did not travel, or left in transit. The plan "
            "ends with what you write; a new plan can be started afterwards."
        ),
        gettext_lazy("The incident was recorded."),
        form=ReasonForm,
    ),
)


def _start_url(case: Case, copy_from: TravelPlan | None = None) -> str:
    url = reverse("reintegration:travel-start", args=[case.uuid])
    return f"{url}?from={copy_from.uuid}" if copy_from is not None else url


def _actions(
    case: Case, plan: TravelPlan | None, user, last_ended: TravelPlan | None = None
) -> list[tuple[str, str]]:
    """(url, label) of what the user may do with the journey now."""
    url = lambda name: reverse(f"reintegration:{name}", args=[case.uuid])  # noqa: E731
    items = []
    if permissions.can_plan(case, user):
        if plan is None and services.journey_open(case):
            # After an incident or a cancellation, the documents and arrangements of the plan
            # that ended are usually still right: the new plan can start from them.
            if last_ended is not None:
                items.append(
                    (_start_url(case, last_ended), _("Start a new plan from the last one"))
                )
                items.append((url("travel-start"), _("Start an empty travel plan")))
            else:
                items.append((url("travel-start"), _("Start a travel plan")))
        elif plan is not None and plan.open_for_changes:
            items.append((url("travel-edit"), _("Change escort, reception and transport")))
            items.append((url("flight-new"), _("Add a flight")))
    if plan is not None:
        items += step_actions(case, STEPS, user, subject=plan)
    return items


def _moments(plan: TravelPlan | None) -> dict:
    """When the returnee left and arrived, as the clocks at the airports showed it."""
    if plan is None:
        return {}
    moments = {}
    if plan.departed_at is not None:
        _flight, where = services.journey_end(plan, departing=True)
        moments["departed"] = services.local_text(plan.departed_at, where)
    if plan.arrived_at is not None:
        _flight, where = services.journey_end(plan, departing=False)
        moments["arrived"] = services.local_text(plan.arrived_at, where)
    return moments


def travel(request: HttpRequest, case_uuid) -> HttpResponse:
    case = get_case(request, case_uuid, allowed=permissions.can_read)
    plans = list(
        case.travel_plans.select_related("booked_by").prefetch_related(
            "flights", "documents__person"
        )
    )
    plan = next((p for p in plans if p.is_live), None)
    earlier = [p for p in plans if p is not plan]
    flights = list(plan.flights.all()) if plan else []
    documents = {d.person_id: d for d in plan.documents.all()} if plan else {}
    travellers = [(person, documents.get(person.pk)) for person in services.travellers(case)]
    may_plan = permissions.can_plan(case, request.user)
    editable = plan is not None and plan.open_for_changes and may_plan
    journey_open = services.journey_open(case)
    last_ended = next((p for p in earlier if p.state in ENDED_STATES), None)
    audit.record(request, "travel.viewed", case, plan.state if plan else "none")
    return render(
        request,
        "reintegration/travel.html",
        {
            "case": case,
            "plan": plan,
            "earlier": earlier,
            "flights": flights,
            "travellers": travellers,
            "editable": editable,
            "journey_open": journey_open,
            "moments": _moments(plan),
            # A plan that ended can be the start of a new one while no other plan is live.
            "may_start_from": plan is None and journey_open and may_plan,
            "missing": _missing(case, plan) if editable else [],
            "actions": _actions(case, plan, request.user, last_ended),
        },
    )


@require_http_methods(["GET", "POST"])
@case_page(back="reintegration:travel")
def plan_form(request: HttpRequest, case_uuid, start: bool = False) -> HttpResponse:
    case = _planning(request, case_uuid)
    if start and services.live_plan(case) is not None:
        raise services.TravelError(_("This case already has a travel plan."))
    plan = None if start else _being_prepared(case)
    copy_from = _ended_plan(case, request.GET.get("from")) if start else None
    initial = {}
    if copy_from is not None:
        # A new plan from one that ended: its arrangements to check, its documents copied.
        initial = {name: getattr(copy_from, name) for name in services.PLAN_FIELDS}
    elif start:
        # The application said whether an escort is needed: the plan starts from it.
        application = Application.objects.filter(case=case).first()
        initial["escort_needed"] = bool(application and application.needs_escort)
    form = TravelPlanForm(request.POST or None, instance=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.PLAN_FIELDS}
        if start:
            services.start_plan(case, by=request.user, copy_from=copy_from, **fields)
        else:
            services.change_plan(case, by=request.user, **fields)
        messages.success(request, _("The travel plan was saved."))
        return _back(case)
    title = _("Start a travel plan") if start else _("Escort, reception and transport")
    intro = ""
    if copy_from is not None:
        title = _("Start a new plan from the last one")
        intro = _(
            "The new plan starts with the travel documents and the arrangements below of the "
            "plan that ended on %(date)s. Its flights are not copied: add the new flights once "
            "they are booked."
        ) % {"date": timezone.localtime(copy_from.ended_at).strftime("%Y-%m-%d")}
    return form_page(
        request,
        case,
        form,
        title=title,
        intro=intro,
        submit_label=_("Save"),
        back=_travel_page(),
    )


def _ended_plan(case: Case, plan_uuid: str | None) -> TravelPlan | None:
    """The ended plan of `case` a new plan starts from (`?from=`), None for an empty plan."""
    if not plan_uuid:
        return None
    try:
        plan = case.travel_plans.filter(uuid=plan_uuid, state__in=ENDED_STATES).first()
    except ValidationError:
        plan = None
    if plan is None:
        raise Http404
    return plan


@require_http_methods(["GET", "POST"])
@case_page(back="reintegration:travel")
def flight(request: HttpRequest, case_uuid, flight_uuid=None) -> HttpResponse:
    case = _planning(request, case_uuid)
    instance = None
    if flight_uuid is not None:
        instance = FlightSegment.objects.filter(uuid=flight_uuid, plan__case=case).first()
        if instance is None:
            raise Http404
    _being_prepared(case)
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
    return form_page(
        request, case, form, title=title, submit_label=_("Save the flight"), back=_travel_page()
    )


@require_POST
@case_page(back="reintegration:travel")
def delete_flight(request: HttpRequest, case_uuid, flight_uuid) -> HttpResponse:
    case = _planning(request, case_uuid)
    instance = FlightSegment.objects.filter(uuid=flight_uuid, plan__case=case).first()
    if instance is None:
        raise Http404
    services.delete_flight(case, by=request.user, flight=instance)
    messages.success(request, _("The flight was removed."))
    return _back(case)


@require_http_methods(["GET", "POST"])
@case_page(back="reintegration:travel")
def travel_document(request: HttpRequest, case_uuid, person_uuid) -> HttpResponse:
    case = _planning(request, case_uuid)
    person = Person.objects.filter(uuid=person_uuid, case=case).first()
    if person is None:
        raise Http404
    plan = _being_prepared(case)
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
    return form_page(
        request,
        case,
        form,
        title=_("Travel document"),
        submit_label=_("Save the document"),
        # The page title stays free of the name (browser history); the text names the person.
        intro=_("For %(name)s.") % {"name": f"{person.given_name} {person.family_name}"},
        back=_travel_page(),
    )


def itinerary_pdf(request: HttpRequest, case_uuid) -> HttpResponse:
    """The itinerary of the live journey, in Swedish or English, for the travellers and
    the people who meet them."""
    from ampcase.lib.pdf import pdf_response, render_pdf

    case = get_case(request, case_uuid, allowed=permissions.can_read)
    plan = services.live_plan(case)
    if plan is None:
        raise Http404
    language = pdf_language(request)
    documents = {d.person_id: d for d in plan.documents.all()}
    # Written for the travellers: airports by name and city, local times, who meets them and
    # whom to call. No risk level or risk wording: that is for the staff's documents.
    pdf = render_pdf(
        "pdf/itinerary.html",
        {
            "case": case,
            "plan": plan,
            "flight_rows": _flight_rows(list(plan.flights.all())),
            "travellers": [(p, documents.get(p.pk)) for p in services.travellers(case)],
            "emergency_phone": settings.IOM_EMERGENCY_PHONE,
        },
        language=language,
    )
    audit.record(request, "travel.itinerary_downloaded", case, language)
    return pdf_response(pdf, f"{case.reference}-itinerary-{language}")
