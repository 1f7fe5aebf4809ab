"""IOM Finland's caseworker plans, books and records the departure of the journey home of a
high-risk case with an accompanying child; IOM's office in Nigeria records the arrival, and
reintegration starts. axe-core checks every page state on the way."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Case, CaseState, ConsentPurpose, Person
from reintegration.models import TravelDocument, TravelPlan, TravelState
from tests.browser.conftest import check_accessibility, expect_path, journey_user
from tests.browser.test_case_journey import sign_in
from tests.factories import (
    add_consent,
    make_case,
    make_ready_to_submit,
    moment_form,
)

pytestmark = pytest.mark.django_db(transaction=True)

HIGH_RISK = "High risk."


@pytest.fixture
def english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return page


def fresh_page(browser, live_server):
    """A page in a browser context of its own (another person at another computer), in
    English, set up as the `page` fixture sets up its page."""
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.responses = []
    page.on("response", lambda r: page.responses.append(f"{r.status} {r.request.method} {r.url}"))
    page.set_default_timeout(10_000)
    return page


def checked(page) -> None:
    """axe on the page once it has all arrived: a URL that matches says a navigation was
    committed, not that the new page is there yet; the footer comes last."""
    expect(page.get_by_role("contentinfo")).to_be_visible()
    check_accessibility(page)


def expect_high_risk(page) -> None:
    expect(page.get_by_role("note").filter(has_text=HIGH_RISK)).to_be_visible()


def expect_message(page, text: str) -> None:
    expect(page.get_by_role("status")).to_contain_text(text)


def add_flight(page, number, origin, destination, day, departs, arrives) -> None:
    page.get_by_label("Flight number", exact=True).fill(number)
    page.get_by_label("From (airport code)", exact=True).fill(origin)
    page.get_by_label("To (airport code)", exact=True).fill(destination)
    page.get_by_label("Departure date", exact=True).fill(day.isoformat())
    page.get_by_label("Departure time (local)", exact=True).fill(departs)
    page.get_by_label("Arrival date", exact=True).fill(day.isoformat())
    page.get_by_label("Arrival time (local)", exact=True).fill(arrives)


def add_document(page, kind, number, valid_until) -> None:
    page.get_by_role("group", name="Kind of document").get_by_label(kind, exact=True).check()
    page.get_by_label("Document number", exact=True).fill(number)
    page.get_by_label("Valid until", exact=True).fill(valid_until.isoformat())


def test_journey_home_from_planning_to_arrival(english, browser, live_server):
    page = english
    caseworker = journey_user("aino")
    nigeria_office = journey_user("ngozi")
    case = make_ready_to_submit(make_case(CaseState.APPROVED))
    add_consent(case, ConsentPurpose.IOM_DESTINATION)
    Case.objects.filter(pk=case.pk).update(risk_level=3)  # the completed table says high
    Person.objects.create(
        case=case,
        relation=Person.Relation.CHILD,
        given_name="Ebba",
        family_name="Öberg",
        date_of_birth=dt.date(2020, 2, 2),
    )
    travel_path = reverse("reintegration:travel", args=[case.uuid])
    case_path = reverse("referrals:case", args=[case.uuid])
    # Two connecting flights today (the departure and the arrival are recorded as they
    # happen, never in the future); documents valid well beyond.
    day = timezone.localdate()
    valid_until = day + dt.timedelta(days=365)

    # IOM Finland: from the queue of approved cases to the case and its travel plan.
    sign_in(page, caseworker)
    checked(page)
    page.get_by_role("region", name="Approved cases to plan travel for").get_by_role(
        "link", name=case.reference
    ).click()
    expect_path(page, case_path)
    expect_high_risk(page)
    checked(page)
    page.get_by_role("link", name="Travel plan", exact=True).click()
    expect_path(page, travel_path)
    expect_high_risk(page)
    expect(page.locator("main")).to_contain_text("Nobody has started planning the journey yet.")
    checked(page)

    # Start the plan: who meets them at Lagos, and how they go on from there.
    page.get_by_role("link", name="Start a travel plan").click()
    expect_path(page, reverse("reintegration:travel-start", args=[case.uuid]))
    expect_high_risk(page)
    checked(page)
    escort = page.get_by_label("An escort travels with the returnee the whole way", exact=True)
    assert not escort.is_checked()  # the application asked for no escort
    page.get_by_label("Reception at the arrival airport", exact=True).fill(
        "IOM Lagos (Chidi Okafor) meets them at arrivals with an IOM sign."
    )
    page.get_by_label("Onward transport", exact=True).fill("IOM car to the shelter in Benin City.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect_path(page, travel_path)
    expect_message(page, "The travel plan was saved.")
    before_booking = page.get_by_role("region", name="Before booking")
    expect(before_booking).to_contain_text("Add the flights.")
    expect(before_booking).to_contain_text("The travel document of Åsa is missing.")
    expect(before_booking).to_contain_text("The travel document of Ebba is missing.")
    checked(page)

    # The first flight, sent empty first: the error summary lists what is missing.
    page.get_by_role("link", name="Add a flight").click()
    expect_path(page, reverse("reintegration:flight-new", args=[case.uuid]))
    checked(page)
    page.get_by_role("button", name="Save the flight").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    checked(page)
    add_flight(page, "kl 1156", "arn", "AMS", day, "06:10", "08:35")
    page.get_by_role("button", name="Save the flight").click()
    expect_path(page, travel_path)
    expect_message(page, "The flight was saved.")
    checked(page)

    # The connecting flight, with IOM assistance at Lagos.
    page.get_by_role("link", name="Add a flight").click()
    expect_path(page, reverse("reintegration:flight-new", args=[case.uuid]))
    add_flight(page, "KL587", "AMS", "LOS", day, "10:25", "16:40")
    page.get_by_label("IOM assistance at the arrival airport of this flight", exact=True).check()
    checked(page)
    page.get_by_role("button", name="Save the flight").click()
    expect_path(page, travel_path)
    flights = page.get_by_role("table", name="Flights").locator("tbody tr")
    expect(flights).to_have_count(2)
    expect(flights.nth(0)).to_contain_text(
        f"KL1156 ARN {day:%Y-%m-%d} 06:10 AMS", use_inner_text=True
    )
    expect(flights.nth(1)).to_contain_text(
        f"KL587 AMS {day:%Y-%m-%d} 10:25 LOS", use_inner_text=True
    )
    checked(page)

    # A travel document for each traveller.
    page.get_by_role("link", name="Add travel document of Åsa").click()
    expect(page.locator("main")).to_contain_text("For Åsa Öberg.")
    # Two kinds to choose from, neither chosen yet (no blank "---------" choice).
    expect(page.get_by_role("radio")).to_have_count(2)
    expect(page.get_by_role("radio", checked=True)).to_have_count(0)
    checked(page)
    add_document(page, "Passport", "ng1234567", valid_until)
    page.get_by_role("button", name="Save the document").click()
    expect_path(page, travel_path)
    expect_message(page, "The travel document was saved.")
    page.get_by_role("link", name="Add travel document of Ebba").click()
    expect(page.locator("main")).to_contain_text("For Ebba Öberg.")
    add_document(page, "Emergency travel document", "ETD7654321", valid_until)
    checked(page)
    page.get_by_role("button", name="Save the document").click()
    expect_path(page, travel_path)
    travellers = page.get_by_role("table", name="Travellers and travel documents")
    expect(travellers).to_contain_text("Passport NG1234567")
    expect(travellers).to_contain_text("Emergency travel document ETD7654321")
    checked(page)
    expect(page.get_by_role("region", name="Before booking")).to_have_count(0)  # ready

    # Check, with the high-risk banner in view, and book.
    page.get_by_role("link", name="Check and mark as booked").click()
    expect_path(page, reverse("reintegration:book", args=[case.uuid]))
    expect_high_risk(page)
    checked(page)
    expect(page.locator("main")).not_to_contain_text("cannot be booked yet")
    # What is being booked: the flights with airports by name and local times, the documents,
    # who meets them.
    booking = page.locator("main")
    expect(booking).to_contain_text("Murtala Muhammed International Airport, Lagos (LOS)")
    expect(booking).to_contain_text(f"{day:%Y-%m-%d} 16:40")
    expect(booking).to_contain_text("Ebba Öberg: Emergency travel document ETD7654321")
    expect(booking).to_contain_text("IOM Lagos (Chidi Okafor) meets them at arrivals")
    page.get_by_role("button", name="Mark the journey as booked").click()
    expect_path(page, travel_path)
    expect_message(page, "The journey is booked.")
    expect(page.locator("main")).to_contain_text(f"booked by {caseworker.display_name}")
    plan = TravelPlan.objects.get(case=case)
    assert plan.state == TravelState.BOOKED and plan.booked_by == caseworker
    assert TravelDocument.objects.filter(plan=plan).count() == 2
    checked(page)

    # The day of the journey: the departure, at the time it happened (local time at Arlanda),
    # moves the case to in transit. The form starts from the planned time.
    page.get_by_role("link", name="Record the departure").click()
    expect_path(page, reverse("reintegration:depart", args=[case.uuid]))
    expect_high_risk(page)
    expect(page.get_by_label("Time of departure", exact=True)).to_have_value("06:10")
    expect(page.locator("main")).to_contain_text("Local time at Stockholm-Arlanda Airport (ARN)")
    checked(page)
    # A departure in the future is refused, with the values kept.
    later = moment_form(timezone.now() + dt.timedelta(hours=3), "ARN")
    page.get_by_label("Date of departure", exact=True).fill(later["on"])
    page.get_by_label("Time of departure", exact=True).fill(later["at"])
    page.get_by_role("button", name="Record the departure").click()
    expect(page.get_by_role("alert")).to_contain_text("The departure cannot be in the future.")
    checked(page)
    left = moment_form(timezone.now() - dt.timedelta(minutes=30), "ARN")
    page.get_by_label("Date of departure", exact=True).fill(left["on"])
    page.get_by_label("Time of departure", exact=True).fill(left["at"])
    page.get_by_role("button", name="Record the departure").click()
    expect_path(page, travel_path)
    expect_message(page, "The departure was recorded.")
    summary = page.locator("main dl.summary").first
    expect(summary).to_contain_text("In transit")
    expect(summary).to_contain_text(f"{left['on']} {left['at']} ARN (local time)")
    checked(page)
    case.refresh_from_db()
    assert case.state == CaseState.IN_TRANSIT

    # IOM Nigeria, at another computer: the expected arrival, and its record.
    office = fresh_page(browser, live_server)
    try:
        sign_in(office, nigeria_office)
        checked(office)
        arrivals = office.get_by_role("region", name="Arrivals expected")
        expect(arrivals).to_contain_text(f"KL587 LOS {day:%Y-%m-%d} 16:40")
        arrivals.get_by_role("link", name=case.reference).click()
        expect_path(office, case_path)
        expect(office.locator("main")).to_contain_text("Åsa Öberg")  # consent to share holds
        checked(office)
        office.get_by_role("link", name="Travel plan", exact=True).click()
        expect_path(office, travel_path)
        expect_high_risk(office)
        checked(office)
        office.get_by_role("link", name="Record the arrival").click()
        expect_path(office, reverse("reintegration:arrive", args=[case.uuid]))
        expect(office.locator("main")).to_contain_text(
            "Local time at Murtala Muhammed International Airport (LOS)"
        )
        checked(office)
        landed = moment_form(timezone.now() - dt.timedelta(minutes=1), "LOS")
        office.get_by_label("Date of arrival", exact=True).fill(landed["on"])
        office.get_by_label("Time of arrival", exact=True).fill(landed["at"])
        office.get_by_role("button", name="Record the arrival").click()
        expect_path(office, travel_path)
        expect_message(office, "The arrival was recorded.")
        summary = office.locator("main dl.summary").first
        expect(summary).to_contain_text("Reintegration")
        expect(summary).to_contain_text(f"{landed['on']} {landed['at']} LOS (local time)")
        checked(office)
        expect(office.get_by_role("link", name="Record the arrival")).to_have_count(0)
    finally:
        office.context.close()

    case.refresh_from_db()
    assert case.state == CaseState.REINTEGRATION
    plan.refresh_from_db()
    assert plan.state == TravelState.ARRIVED
    lagos, arlanda = ZoneInfo("Africa/Lagos"), ZoneInfo("Europe/Stockholm")
    assert f"{plan.arrived_at.astimezone(lagos):%Y-%m-%d %H:%M}" == f"{landed['on']} {landed['at']}"
    assert f"{plan.departed_at.astimezone(arlanda):%Y-%m-%d %H:%M}" == f"{left['on']} {left['at']}"
