"""A coordinator looks for a case on the case list by a name typed without its accents, then
sorts the list by a column. axe-core checks each page; at 390 px the page itself does not
scroll sideways."""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, expect_path
from tests.browser.test_case_journey import sign_in
from tests.conftest import make_persona
from tests.factories import make_case

pytestmark = pytest.mark.django_db(transaction=True)


def _references(page) -> list[str]:
    return page.locator("table.cases tbody tr td:first-child").all_inner_texts()


def test_coordinator_finds_a_case_by_name_and_sorts_the_list(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    coordinator = make_persona("stockholm_coordinator")
    wanted = make_case(given_name="José", family_name="Öström", destination_country="DE")
    other = make_case(given_name="Bo", family_name="Berg", destination_country="AL")
    third = make_case(
        given_name="Ada",
        family_name="Ek",
        destination_country="NG",
        date_of_birth=dt.date(2012, 1, 1),
    )
    sign_in(page, coordinator)

    page.goto(reverse("referrals:cases"))
    page.get_by_label("Search", exact=True).fill("jose ostrom")
    page.get_by_role("button", name="Filter").click()
    expect_path(page, reverse("referrals:cases"))
    expect(page.get_by_role("link", name=wanted.reference)).to_be_visible()
    assert _references(page) == [wanted.reference]
    expect(page.get_by_role("cell", name="José Öström")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_role("link", name="Destination").click()
    # Albania, Germany, Nigeria.
    expect(page.get_by_role("columnheader", name="Destination")).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert _references(page) == [other.reference, wanted.reference, third.reference]
    page.get_by_role("link", name="Destination").click()
    expect(page.get_by_role("columnheader", name="Destination")).to_have_attribute(
        "aria-sort", "descending"
    )
    assert _references(page) == [third.reference, wanted.reference, other.reference]
    check_accessibility(page)

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # On a phone the list is cards without visible headers: the sort is in the filters.
    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_label("Sort by", exact=True)).to_be_hidden()
    page.get_by_text("More filters and sorting").click()
    page.get_by_label("Sort by", exact=True).select_option(label="Destination, descending")
    page.get_by_role("button", name="Filter").click()
    assert _references(page) == [third.reference, wanted.reference, other.reference]
    expect(page.get_by_label("Sort by", exact=True)).to_be_visible()
    check_accessibility(page)
