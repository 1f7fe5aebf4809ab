"""Travel plan pages: the high-risk banner, query budget, the itinerary PDF, form errors and the
case page's link. (Every URL x every persona: test_travel_matrix.py.)"""

import datetime as dt
import html
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ampcase.audit.models import AuditEvent
from referrals.grants import sync_case_permissions
from referrals.models import Case, CaseState, Person
from reintegration.models import FlightSegment, TravelDocument, TravelPlan
from reintegration.services import travel as services
from tests.conftest import sign_in
from tests.factories import make_case, make_ready_to_submit, make_travel_plan
from tests.reintegration.test_travel_matrix import _approved_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def planning(social_worker):
    """An approved Stockholm case with a plan being prepared and the social worker assigned."""
    case = _approved_case()
    case.social_worker = social_worker
    case.save(update_fields=["social_worker"])
    sync_case_permissions(case)
    make_travel_plan(case)
    return case


def test_destination_office_without_consent_cannot_record_arrival(nigeria_office):
    case = _approved_case(CaseState.IN_TRANSIT, destination_consent=False)
    plan = make_travel_plan(case, state="departed")
    client = sign_in(Client(), nigeria_office)
    response = client.post(reverse("reintegration:arrive", args=[case.uuid]))
    plan.refresh_from_db()
    assert response.status_code == 403
    assert plan.state == "departed"


# The high-risk banner.


def _english(user) -> Client:
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    # Table cells wrap: compare with the whitespace normalised.
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _planned_case(risk_level: int) -> Case:
    case = _approved_case()
    make_travel_plan(case)
    Case.objects.filter(pk=case.pk).update(risk_level=risk_level)
    return case


@pytest.mark.parametrize("page", ["travel", "book"])
def test_high_risk_case_shows_the_banner(iom_caseworker, page):
    case = _planned_case(risk_level=3)
    response = _english(iom_caseworker).get(reverse(f"reintegration:{page}", args=[case.uuid]))
    assert response.status_code == 200
    assert 'class="risk-high"' in _text(response)
    assert "High risk." in _text(response)


@pytest.mark.parametrize("page", ["travel", "book"])
def test_low_risk_case_shows_no_banner(iom_caseworker, page):
    case = _planned_case(risk_level=1)
    response = _english(iom_caseworker).get(reverse(f"reintegration:{page}", args=[case.uuid]))
    assert response.status_code == 200
    assert 'class="risk-high"' not in _text(response)
    assert "High risk" not in _text(response)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_itinerary_of_a_high_risk_case_says_nothing_of_risk(iom_caseworker, language):
    """The itinerary is the traveller's: the risk level stays in the staff's documents. (No
    word starts with "risk": "Hög risk", "High risk", "riskbedömning", "risk table".)"""
    case = _planned_case(risk_level=3)
    client = sign_in(Client(), iom_caseworker)
    response = client.get(reverse("reintegration:itinerary", args=[case.uuid]), {"lang": language})
    text = _pdf_text(response)
    assert "Åsa Öberg" in text
    assert not re.search(r"\brisk", text, re.IGNORECASE)


@pytest.mark.parametrize(("language", "words"), [("sv", "Hög risk"), ("en", "High risk")])
def test_itinerary_of_a_low_risk_case_says_nothing_of_risk(iom_caseworker, language, words):
    case = _planned_case(risk_level=1)
    client = sign_in(Client(), iom_caseworker)
    response = client.get(reverse("reintegration:itinerary", args=[case.uuid]), {"lang": language})
    assert words not in _pdf_text(response)


# Query budget.


def _query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["iom_caseworker", "stockholm_coordinator"])
def test_travel_page_costs_the_same_with_1_or_10_flights(request, persona):
    case = _approved_case()
    plan = make_travel_plan(case, flights=1)
    client = sign_in(Client(), request.getfixturevalue(persona))
    url = reverse("reintegration:travel", args=[case.uuid])
    client.get(url)  # caches filled once per process stay out of the count

    one = _query_count(client, url)
    airports = ["AMS", "CDG", "IST", "ADD", "ACC", "LOS", "ARN"]
    day = timezone.localdate() + dt.timedelta(days=8)
    for n in range(9):
        FlightSegment.objects.create(
            plan=plan,
            flight_number=f"AF{200 + n}",
            from_airport=airports[n % 7],
            to_airport=airports[(n + 1) % 7],
            departs_on=day + dt.timedelta(days=n),
            departs_at=dt.time(8, 0),
            arrives_on=day + dt.timedelta(days=n),
            arrives_at=dt.time(12, 0),
        )
    assert plan.flights.count() == 10
    assert _query_count(client, url) == one


def _case_with_children(count: int) -> Case:
    case = _approved_case()
    for n in range(count):
        Person.objects.create(
            case=case,
            relation="child",
            given_name=f"Ebba {n}",
            family_name="Öberg",
            date_of_birth=dt.date(2018, 1, 1) + dt.timedelta(days=n),
        )
    make_travel_plan(case)
    return case


@pytest.mark.parametrize("persona", ["iom_caseworker", "stockholm_coordinator"])
def test_travel_page_costs_the_same_with_1_or_5_children(request, persona):
    one_child, five_children = _case_with_children(1), _case_with_children(5)
    assert TravelDocument.objects.filter(plan__case=five_children).count() == 6
    client = sign_in(Client(), request.getfixturevalue(persona))
    client.get(reverse("reintegration:travel", args=[one_child.uuid]))  # warm the caches

    one = _query_count(client, reverse("reintegration:travel", args=[one_child.uuid]))
    five = _query_count(client, reverse("reintegration:travel", args=[five_children.uuid]))
    assert five == one


# The itinerary and the audit trail.


@pytest.mark.parametrize(("language", "title"), [("sv", "Resplan"), ("en", "Travel itinerary")])
def test_itinerary_names_the_flights_and_the_returnee(iom_caseworker, language, title):
    case = _approved_case()
    make_travel_plan(case, flights=2)
    client = sign_in(Client(), iom_caseworker)
    response = client.get(reverse("reintegration:itinerary", args=[case.uuid]), {"lang": language})
    text = _pdf_text(response)
    assert title in text
    assert "Åsa Öberg" in text
    assert "KL1100" in text
    assert "KL1101" in text
    assert "ARN" in text
    assert "AMS" in text
    assert "CDG" in text
    assert case.reference in text
    assert f"-{language}" in response["Content-Disposition"]


def test_downloading_the_itinerary_is_audited(nigeria_office, planning):
    case = planning
    client = sign_in(Client(), nigeria_office)
    client.get(reverse("reintegration:itinerary", args=[case.uuid]), {"lang": "en"})
    assert AuditEvent.objects.filter(
        action="travel.itinerary_downloaded",
        actor=nigeria_office,
        object_id=str(case.pk),
        summary="en",
    ).exists()


def test_viewing_the_travel_page_is_audited(stockholm_coordinator, planning):
    case = planning
    sign_in(Client(), stockholm_coordinator).get(reverse("reintegration:travel", args=[case.uuid]))
    assert AuditEvent.objects.filter(
        action="travel.viewed", actor=stockholm_coordinator, object_id=str(case.pk)
    ).exists()


# Form errors: the values stay, nothing is saved, the message says what to do.


def _flight_data(**changes):
    day = timezone.localdate() + dt.timedelta(days=10)
    data = {
        "flight_number": "KL1200",
        "from_airport": "AMS",
        "to_airport": "LOS",
        "departs_on": day.isoformat(),
        "departs_at": "10:15",
        "arrives_on": day.isoformat(),
        "arrives_at": "17:40",
    }
    data.update(changes)
    return data


@pytest.fixture
def planned(iom_caseworker):
    case = _approved_case()
    make_travel_plan(case)
    return case


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"from_airport": "ar"}, "Write the airport's three-letter code, e.g. ARN."),
        ({"to_airport": "ar"}, "Write the airport's three-letter code, e.g. ARN."),
        ({"from_airport": "ARNX"}, "Write the airport's three-letter code, e.g. ARN."),
        ({"to_airport": "AMS"}, "The flight must land at another airport."),
        (
            {"flight_number": "hello"},
            "Write the flight number as on the ticket: airline code and number, e.g. SK1427.",
        ),
        (
            {"arrives_on": (timezone.localdate() + dt.timedelta(days=15)).isoformat()},
            "The flight would take more than 24 hours. Check the dates and times: each is the "
            "local time at its own airport.",
        ),
        (
            {"arrives_on": (timezone.localdate() + dt.timedelta(days=9)).isoformat()},
            "The flight lands before it leaves. Check the dates and times: each is the local "
            "time at its own airport.",
        ),
        (
            {"to_airport": "QQQ"},
            "QQQ is not the code of an airport we know. Check the three-letter code on the ticket.",
        ),
        (
            {
                "departs_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
                "arrives_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            },
            "The departure date cannot be in the past.",
        ),
    ],
)
def test_bad_flight_is_refused_with_the_values_kept(iom_caseworker, planned, changes, message):
    before = FlightSegment.objects.count()
    data = _flight_data(**changes)
    response = _english(iom_caseworker).post(
        reverse("reintegration:flight-new", args=[planned.uuid]), data
    )
    assert response.status_code == 200
    assert message in _text(response)
    for name, value in changes.items():
        assert f'name="{name}" value="{value}"' in _text(response)
    assert FlightSegment.objects.count() == before


def test_changing_a_flight_badly_leaves_it_as_it_was(iom_caseworker, planned):
    flight = services.live_plan(planned).flights.get()
    response = _english(iom_caseworker).post(
        reverse("reintegration:flight", args=[planned.uuid, flight.uuid]),
        _flight_data(flight_number="hello"),
    )
    assert response.status_code == 200
    assert 'name="flight_number" value="hello"' in _text(response)
    flight.refresh_from_db()
    assert (flight.flight_number, flight.from_airport) == ("KL1100", "ARN")


def test_expired_travel_document_is_refused_with_the_values_kept(iom_caseworker, planned):
    returnee = planned.people.get(relation="returnee")
    TravelDocument.objects.filter(person=returnee).delete()
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = _english(iom_caseworker).post(
        reverse("reintegration:travel-document", args=[planned.uuid, returnee.uuid]),
        {"kind": "passport", "number": "ab123456", "valid_until": yesterday},
    )
    assert response.status_code == 200
    assert "This document has expired." in _text(response)
    assert 'value="ab123456"' in _text(response)
    assert f'value="{yesterday}"' in _text(response)
    assert not TravelDocument.objects.filter(person=returnee).exists()


# Booking a plan that is not ready.


def _messages(response) -> list[str]:
    return [
        html.unescape(text)
        for text in re.findall(
            r'<p class="message message-error">(.*?)</p>', response.content.decode()
        )
    ]


def test_booking_an_incomplete_plan_lists_the_problems(iom_caseworker, planned):
    plan = services.live_plan(planned)
    plan.flights.all().delete()
    TravelPlan.objects.filter(pk=plan.pk).update(reception="")
    client = _english(iom_caseworker)
    travel = reverse("reintegration:travel", args=[planned.uuid])

    response = client.post(reverse("reintegration:book", args=[planned.uuid]))
    assert (response.status_code, response["Location"]) == (302, travel)
    plan.refresh_from_db()
    assert plan.state == "planning"
    assert _messages(client.get(travel)) == [
        "The journey cannot be booked yet.",
        "Add the flights.",
        "Say who meets the returnee at the arrival airport.",
    ]


def test_booking_a_plan_with_an_expired_document_lists_it(iom_caseworker, planned):
    plan = services.live_plan(planned)
    TravelDocument.objects.filter(plan=plan).update(
        valid_until=timezone.localdate() + dt.timedelta(days=3)
    )
    client = _english(iom_caseworker)
    client.post(reverse("reintegration:book", args=[planned.uuid]))
    plan.refresh_from_db()
    assert plan.state == "planning"
    assert _messages(client.get(reverse("reintegration:travel", args=[planned.uuid]))) == [
        "The journey cannot be booked yet.",
        "The travel document of Åsa expires before the journey ends.",
    ]


# The case page links to the travel plan once there is a journey to plan.


def test_case_page_links_to_the_travel_plan_of_an_approved_case(iom_caseworker):
    case = _approved_case()
    page = sign_in(Client(), iom_caseworker).get(reverse("referrals:case", args=[case.uuid]))
    assert reverse("reintegration:travel", args=[case.uuid]) in page.content.decode()


def test_case_page_has_no_travel_link_while_the_case_is_prepared(stockholm_coordinator):
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    page = sign_in(Client(), stockholm_coordinator).get(reverse("referrals:case", args=[case.uuid]))
    assert page.status_code == 200
    assert reverse("reintegration:travel", args=[case.uuid]) not in page.content.decode()


def test_case_page_has_no_travel_link_while_the_case_is_submitted(iom_caseworker):
    case = make_ready_to_submit(make_case(CaseState.SUBMITTED))
    page = sign_in(Client(), iom_caseworker).get(reverse("referrals:case", args=[case.uuid]))
    assert page.status_code == 200
    assert reverse("reintegration:travel", args=[case.uuid]) not in page.content.decode()


def test_a_stale_confirmation_link_says_what_changed(iom_caseworker):
    """ "Record the departure" opened on a plan nobody has booked yet: no dead-end page, the
    travel page with the reason."""
    case = _approved_case()
    make_travel_plan(case)
    client = sign_in(Client(), iom_caseworker)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("reintegration:depart", args=[case.uuid]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("reintegration:travel", args=[case.uuid])
    assert "The travel plan is now “Planning”" in html.unescape(response.content.decode())


def test_a_booked_plans_flights_cannot_be_opened_for_change(iom_caseworker):
    case = _approved_case()
    plan = make_travel_plan(case, state="booked")
    client = sign_in(Client(), iom_caseworker)
    client.cookies["django_language"] = "en"
    url = reverse("reintegration:flight", args=[case.uuid, plan.flights.get().uuid])
    response = client.post(url, {"flight_number": "SK1"}, follow=True)
    assert "Reopen the booking first" in html.unescape(response.content.decode())
    assert plan.flights.get().flight_number == "KL1100"


def test_every_error_summary_link_leads_to_its_field(iom_caseworker):
    """Radio groups have no single input to point at: the link goes to their fieldset."""
    case = _approved_case()
    make_travel_plan(case)
    client = sign_in(Client(), iom_caseworker)
    url = reverse(
        "reintegration:travel-document",
        args=[case.uuid, case.people.get(relation="returnee").uuid],
    )
    # A browser always sends the CSRF token: an empty POST would leave the form unbound.
    page = client.post(url, {"csrfmiddlewaretoken": "x"}).content.decode()
    targets = re.findall(r'<div class="error-summary".*?</div>', page, re.S)[0]
    links = re.findall(r'href="#([^"]*)"', targets)
    assert links == ["id_kind", "id_number", "id_valid_until"]
    elements = [re.search(rf'<(\w+)[^>]*\bid="{target}"', page).group(1) for target in links]
    assert elements == ["fieldset", "input", "input"]
