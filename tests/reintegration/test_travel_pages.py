"""The travel pages of issue 11: absurd dates on the flight form, the departure and arrival
forms with their date and time, a new plan from one that ended, the booking page that offers
the booking only when the plan is ready, and the itinerary written for the traveller."""

import datetime as dt
import html
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from referrals.models import CaseEvent, CaseState
from reintegration.models import FlightSegment, TravelDocument, TravelPlan, TravelState
from reintegration.services import travel as services
from tests.conftest import sign_in
from tests.factories import make_travel_plan, moment_form, yesterday
from tests.reintegration.test_travel_matrix import _approved_case

pytestmark = pytest.mark.django_db

T = TravelState
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _english(user) -> Client:
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _main(response) -> str:
    """The page's main content as words, without tags."""
    main = re.search(r"<main.*?</main>", _text(response), re.S).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


# Item 4: a far-off date on the flight form is a form error, never a 500.


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("field", ["departs_on", "arrives_on"])
def test_an_absurd_flight_date_is_a_form_error(iom_caseworker, field, day):
    case = _approved_case()
    make_travel_plan(case)
    soon = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    data = {
        "flight_number": "KL1200",
        "from_airport": "AMS",
        "to_airport": "LOS",
        "departs_on": soon,
        "departs_at": "10:15",
        "arrives_on": soon,
        "arrives_at": "17:40",
        field: day,
    }
    response = _english(iom_caseworker).post(
        reverse("reintegration:flight-new", args=[case.uuid]), data
    )
    assert response.status_code == 200
    assert "There is a problem" in _text(response)
    assert re.search(r"Enter a date on or (after|before)", _text(response))
    assert FlightSegment.objects.filter(plan__case=case).count() == 1


# Item 10: the departure and the arrival, with their date and time.


@pytest.fixture
def booked(iom_caseworker):
    """Booked, its one flight ARN 08:00 to AMS 12:00 (local times) yesterday."""
    case = _approved_case()
    make_travel_plan(case, state="booked", day=yesterday())
    return case


def test_the_departure_form_starts_from_the_planned_time_at_the_airport(booked, iom_caseworker):
    response = _english(iom_caseworker).get(reverse("reintegration:depart", args=[booked.uuid]))
    page = _text(response)
    assert f'name="on" value="{yesterday():%Y-%m-%d}"' in page
    assert 'name="at" value="08:00"' in page
    assert "Local time at Stockholm-Arlanda Airport (ARN), where the first flight leaves." in page


def test_the_departure_is_recorded_with_the_date_and_time_given(booked, iom_caseworker):
    client = _english(iom_caseworker)
    data = {"on": yesterday().isoformat(), "at": "08:20"}
    response = client.post(reverse("reintegration:depart", args=[booked.uuid]), data)
    assert response.status_code == 302
    plan = services.live_plan(booked)
    assert plan.departed_at == dt.datetime.combine(yesterday(), dt.time(8, 20), tzinfo=STOCKHOLM)
    page = _main(client.get(reverse("reintegration:travel", args=[booked.uuid])))
    assert f"Departed {yesterday():%Y-%m-%d} 08:20 ARN (local time)" in page
    # The timeline says when, too.
    note = CaseEvent.objects.get(case=booked, action="travel.departed").note
    assert note == f"KL1100 {yesterday():%Y-%m-%d} 08:20 ARN"


def test_a_departure_in_the_future_is_refused_on_the_form(booked, iom_caseworker):
    later = timezone.now() + dt.timedelta(hours=2)
    response = _english(iom_caseworker).post(
        reverse("reintegration:depart", args=[booked.uuid]), moment_form(later, "ARN")
    )
    assert response.status_code == 200
    assert "The departure cannot be in the future." in _text(response)
    assert services.live_plan(booked).state == T.BOOKED


def test_a_departure_long_before_the_flight_is_refused_on_the_form(booked, iom_caseworker):
    day = yesterday() - dt.timedelta(days=2)
    response = _english(iom_caseworker).post(
        reverse("reintegration:depart", args=[booked.uuid]),
        {"on": day.isoformat(), "at": "08:00"},
    )
    assert response.status_code == 200
    assert "more than a day before the first flight was to leave" in _text(response)
    assert services.live_plan(booked).state == T.BOOKED


def test_the_departure_form_without_a_date_is_refused(booked, iom_caseworker):
    response = _english(iom_caseworker).post(
        reverse("reintegration:depart", args=[booked.uuid]), {"on": "", "at": ""}
    )
    assert response.status_code == 200
    assert services.live_plan(booked).state == T.BOOKED


def test_the_arrival_is_recorded_in_local_time_at_the_last_airport(nigeria_office):
    case = _approved_case(CaseState.IN_TRANSIT)
    make_travel_plan(case, state="departed")
    client = _english(nigeria_office)
    form = client.get(reverse("reintegration:arrive", args=[case.uuid]))
    assert "Local time at Amsterdam Airport Schiphol (AMS), where the last flight lands." in (
        _text(form)
    )
    assert 'name="at" value="12:00"' in _text(form)
    data = {"on": yesterday().isoformat(), "at": "12:30"}
    assert client.post(reverse("reintegration:arrive", args=[case.uuid]), data).status_code == 302
    plan = TravelPlan.objects.get(case=case)
    amsterdam = ZoneInfo("Europe/Amsterdam")
    assert plan.arrived_at == dt.datetime.combine(yesterday(), dt.time(12, 30), tzinfo=amsterdam)
    page = _main(client.get(reverse("reintegration:travel", args=[case.uuid])))
    assert f"Arrived {yesterday():%Y-%m-%d} 12:30 AMS (local time)" in page


def test_an_arrival_before_the_departure_is_refused_on_the_form(nigeria_office):
    case = _approved_case(CaseState.IN_TRANSIT)
    make_travel_plan(case, state="departed")  # left yesterday at 08:00 in Stockholm
    response = _english(nigeria_office).post(
        reverse("reintegration:arrive", args=[case.uuid]),
        {"on": yesterday().isoformat(), "at": "07:00"},
    )
    assert response.status_code == 200
    assert "The arrival cannot be before the departure" in _text(response)
    assert TravelPlan.objects.get(case=case).state == T.DEPARTED


# Item 11: an incident ends the plan, not the journey's preparation.


@pytest.fixture
def after_incident(iom_caseworker):
    case = _approved_case()
    plan = make_travel_plan(case, state="booked")
    TravelPlan.objects.filter(pk=plan.pk).update(escort_needed=True, escort="Eva Ek, IOM")
    services.report_incident(case, by=iom_caseworker, description="Missed the connection")
    return case


def test_after_an_incident_the_page_keeps_the_ended_plan_and_offers_a_new_one_from_it(
    after_incident, iom_caseworker
):
    response = _english(iom_caseworker).get(
        reverse("reintegration:travel", args=[after_incident.uuid])
    )
    page = _main(response)
    assert "Nobody has started planning" not in page
    assert "Missed the connection" in page
    assert "KL1100 ARN–AMS" in page  # the ended plan's flight, as history
    assert "Eva Ek, IOM" in page
    ended = TravelPlan.objects.get(case=after_incident)
    start = reverse("reintegration:travel-start", args=[after_incident.uuid])
    assert f'href="{start}?from={ended.uuid}"' in _text(response)
    assert "Start a new plan from this one" in page


def test_a_region_coordinator_sees_the_ended_plan_but_no_offer(
    after_incident, stockholm_coordinator
):
    response = _english(stockholm_coordinator).get(
        reverse("reintegration:travel", args=[after_incident.uuid])
    )
    page = _main(response)
    assert "Missed the connection" in page
    assert "Nobody has started planning" not in page
    assert "Start a new plan" not in page


def test_a_new_plan_from_the_ended_one_copies_its_documents_and_arrangements(
    after_incident, iom_caseworker
):
    ended = TravelPlan.objects.get(case=after_incident)
    client = _english(iom_caseworker)
    url = reverse("reintegration:travel-start", args=[after_incident.uuid]) + f"?from={ended.uuid}"
    form = _text(client.get(url))
    assert 'value="Eva Ek, IOM"' in form
    assert "Its flights are not copied" in form
    response = client.post(
        url,
        {
            "escort_needed": "on",
            "escort": "Eva Ek, IOM",
            "reception": "IOM Lagos, new contact",
            "onward_transport": "",
            "notes": "",
        },
    )
    assert response.status_code == 302
    new = services.live_plan(after_incident)
    assert new.pk != ended.pk and new.state == T.PLANNING
    assert (new.escort, new.reception) == ("Eva Ek, IOM", "IOM Lagos, new contact")
    assert new.documents.count() == TravelDocument.objects.filter(plan=ended).count() == 1
    assert not new.flights.exists()
    ended.refresh_from_db()
    assert ended.state == T.INCIDENT
    page = _main(client.get(reverse("reintegration:travel", args=[after_incident.uuid])))
    assert "Earlier plans" in page and "Missed the connection" in page


def test_a_new_plan_cannot_start_from_an_unknown_plan(after_incident, iom_caseworker):
    url = reverse("reintegration:travel-start", args=[after_incident.uuid])
    response = _english(iom_caseworker).get(url + "?from=not-a-uuid")
    assert response.status_code == 404


def test_a_new_plan_cannot_start_from_another_cases_ended_plan(after_incident, iom_caseworker):
    other = _approved_case()
    ended = TravelPlan.objects.get(case=after_incident)
    url = reverse("reintegration:travel-start", args=[other.uuid]) + f"?from={ended.uuid}"
    client = _english(iom_caseworker)
    assert client.get(url).status_code == 404
    response = client.post(
        url, {"escort": "", "reception": "IOM Lagos", "onward_transport": "", "notes": ""}
    )
    assert response.status_code == 404
    assert not TravelPlan.objects.filter(case=other).exists()


# Item 17: the booking page books only a ready plan, and shows what is booked.


def test_the_booking_page_of_an_incomplete_plan_lists_what_is_missing_with_links(
    iom_caseworker,
):
    case = _approved_case()
    plan = make_travel_plan(case)
    returnee = case.people.get(relation="returnee")
    TravelDocument.objects.filter(plan=plan, person=returnee).delete()
    TravelPlan.objects.filter(pk=plan.pk).update(reception="")
    response = _english(iom_caseworker).get(reverse("reintegration:book", args=[case.uuid]))
    page = _text(response)
    assert "Mark the journey as booked</button>" not in page
    document = reverse("reintegration:travel-document", args=[case.uuid, returnee.uuid])
    assert f'<a href="{document}">The travel document of Åsa is missing.</a>' in page
    edit = reverse("reintegration:travel-edit", args=[case.uuid])
    assert f'<a href="{edit}">Say who meets the returnee at the arrival airport.</a>' in page


def test_the_booking_page_links_a_missing_flight_to_the_flight_form(iom_caseworker):
    case = _approved_case()
    plan = make_travel_plan(case)
    plan.flights.all().delete()
    page = _text(_english(iom_caseworker).get(reverse("reintegration:book", args=[case.uuid])))
    new = reverse("reintegration:flight-new", args=[case.uuid])
    assert f'<a href="{new}">Add the flights.</a>' in page
    assert "Mark the journey as booked</button>" not in page


def test_the_booking_page_of_a_ready_plan_summarises_what_is_booked(iom_caseworker):
    case = _approved_case()
    plan = make_travel_plan(case, flights=2)
    TravelPlan.objects.filter(pk=plan.pk).update(escort_needed=True, escort="Eva Ek, IOM")
    response = _english(iom_caseworker).get(reverse("reintegration:book", args=[case.uuid]))
    page = _main(response)
    assert "Mark the journey as booked" in _text(response)
    assert '<button type="submit" class="button">Mark the journey as booked</button>' in (
        _text(response)
    )
    day = timezone.localdate() + dt.timedelta(days=7)
    assert (
        f"KL1100 Stockholm-Arlanda Airport, Stockholm (ARN) {day:%Y-%m-%d} 08:00 "
        f"Amsterdam Airport Schiphol, Amsterdam (AMS) {day:%Y-%m-%d} 12:00" in page
    )
    assert "Charles de Gaulle" in page
    assert "Åsa Öberg: Emergency travel document ETD" in page
    assert "Eva Ek, IOM" in page
    assert "IOM Lagos möter på flygplatsen" in page


def test_the_travel_page_links_each_missing_thing_to_its_form(iom_caseworker):
    case = _approved_case()
    plan = make_travel_plan(case)
    TravelPlan.objects.filter(pk=plan.pk).update(escort_needed=True)
    page = _text(_english(iom_caseworker).get(reverse("reintegration:travel", args=[case.uuid])))
    edit = reverse("reintegration:travel-edit", args=[case.uuid])
    assert f'<a href="{edit}">Name the escort who travels with the returnee.</a>' in page


# Item 18: the itinerary is written for the traveller.


def _pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_the_itinerary_names_airports_and_cities_local_times_reception_and_a_number(
    iom_caseworker, settings
):
    settings.IOM_EMERGENCY_PHONE = "+358 9 000 0000"
    case = _approved_case()
    make_travel_plan(case, flights=2)
    Case = type(case)
    Case.objects.filter(pk=case.pk).update(risk_level=3)
    response = sign_in(Client(), iom_caseworker).get(
        reverse("reintegration:itinerary", args=[case.uuid]), {"lang": "en"}
    )
    text = _pdf_text(response)
    day = timezone.localdate() + dt.timedelta(days=7)
    assert "Stockholm-Arlanda Airport, Stockholm (ARN)" in text
    assert "Amsterdam Airport Schiphol, Amsterdam (AMS)" in text
    assert "Paris" in text
    assert f"{day:%Y-%m-%d} at 08:00 local time" in text
    assert "IOM Lagos möter på flygplatsen" in text
    assert "call IOM: +358 9 000 0000" in text
    assert not re.search(r"\brisk", text, re.IGNORECASE)


def test_the_itinerary_gives_the_emergency_number_in_swedish_too(iom_caseworker, settings):
    settings.IOM_EMERGENCY_PHONE = "+358 9 000 0000"
    case = _approved_case()
    make_travel_plan(case)
    response = sign_in(Client(), iom_caseworker).get(
        reverse("reintegration:itinerary", args=[case.uuid]), {"lang": "sv"}
    )
    text = _pdf_text(response)
    assert "+358 9 000 0000" in text
    assert "Stockholm-Arlanda Airport" in text


def test_the_emergency_number_has_a_default_for_the_operator_to_confirm():
    from django.conf import settings

    assert settings.IOM_EMERGENCY_PHONE == "+358 9 684 1150"
