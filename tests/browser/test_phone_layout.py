"""On a phone held upright (390 px): a list of records shows every column of a row without
scrolling, a grid that must stay a grid scrolls inside a region a keyboard can reach, and long
words wrap. Every walk also checks that no page scrolls sideways (check_accessibility)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ampcase.accounts.roles import Role
from referrals.models import CaseState, Person
from tests.browser.conftest import PHONE, check_accessibility
from tests.browser.test_case_journey import sign_in
from tests.factories import coordination_office, make_case, make_risk_table, make_user

pytestmark = pytest.mark.django_db(transaction=True)

# A word longer than a phone is wide: a web address pasted as an identity document.
LONG_WORD = "https://example.org/pass/" + "x" * 70


@pytest.fixture
def english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return page


def test_the_case_list_shows_every_column_on_a_phone(english):
    page = english
    coordinator = make_user(
        Role.REGION_COORDINATOR, username="karin", organisation=coordination_office()
    )
    case = make_case(CaseState.SCREENING)
    sign_in(page, coordinator)
    page.set_viewport_size(PHONE)
    page.goto(reverse("referrals:cases"))

    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=case.reference))
    cells = row.get_by_role("cell")
    expect(cells).to_have_count(9)
    for index in range(9):
        box = cells.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
            f"column {index + 1} of 9 is outside the phone's window: {box}"
        )
    # Each value is shown beside its column's name.
    shown = cells.evaluate_all("tds => tds.map(td => getComputedStyle(td, '::before').content)")
    headers = page.get_by_role("columnheader").all_inner_texts()
    assert shown == [f'"{header}"' for header in headers]
    check_accessibility(page)


def test_the_case_page_wraps_a_long_word_on_a_phone(english):
    page = english
    coordinator = make_user(
        Role.REGION_COORDINATOR, username="karin", organisation=coordination_office()
    )
    case = make_case(CaseState.SCREENING)
    Person.objects.filter(case=case).update(identity_document=LONG_WORD)
    sign_in(page, coordinator)
    page.set_viewport_size(PHONE)
    page.goto(reverse("referrals:case", args=[case.uuid]))

    expect(page.get_by_text(LONG_WORD)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(page)


def test_the_risk_table_scrolls_in_a_region_a_keyboard_reaches(english):
    page = english
    coordinator = make_user(
        Role.REGION_COORDINATOR, username="karin", organisation=coordination_office()
    )
    case = make_case(CaseState.PREPARING)
    make_risk_table(case, rows=((2, 2), (3, 3)))
    sign_in(page, coordinator)
    page.set_viewport_size(PHONE)
    page.goto(reverse("risk:table", args=[case.uuid]))

    region = page.get_by_role("region", name="Risks")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")  # the grid is wider
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    region.focus()
    page.keyboard.press("ArrowRight")
    expect(region).not_to_have_js_property("scrollLeft", 0)
    check_accessibility(page)
