"""On a phone held upright (390 px): a list of records (the cases, the risks) shows every
column of a row without scrolling, a grid that must stay a grid (the budget) scrolls inside a
region a keyboard can reach, and long words wrap. Every walk also checks that no page
scrolls sideways (check_accessibility)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ampcase.accounts.roles import Role
from referrals.models import CaseState, Person
from tests.browser.conftest import PHONE, check_accessibility, journey_user
from tests.browser.test_case_journey import sign_in
from tests.factories import (
    coordination_office,
    make_arrived_case,
    make_case,
    make_risk_table,
    make_user,
)

pytestmark = pytest.mark.django_db(transaction=True)

# A word longer than a phone is wide: a web address pasted as an identity document.
LONG_WORD = "https://example.org/pass/" + "x" * 70


@pytest.fixture
def english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return page


def expect_every_column_readable(page, row, columns: int) -> None:
    """Each of the row's cells lies inside the phone's window, beside its column's name."""
    cells = row.get_by_role("cell")
    expect(cells).to_have_count(columns)
    for index in range(columns):
        box = cells.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
            f"column {index + 1} of {columns} is outside the phone's window: {box}"
        )
    shown = cells.evaluate_all("tds => tds.map(td => getComputedStyle(td, '::before').content)")
    headers = page.get_by_role("columnheader").all_inner_texts()
    for label, header in zip(shown, headers, strict=False):
        # The header may say more than the name (a sort order); the name is in it.
        assert label not in ("none", '""') and label.strip('"') in header, (label, header)


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
    expect_every_column_readable(page, row, 9)
    check_accessibility(page)


def test_the_risk_table_shows_every_column_on_a_phone(english):
    """The office abroad reads the risks before acting: each risk whole, not a third of it."""
    page = english
    coordinator = make_user(
        Role.REGION_COORDINATOR, username="karin", organisation=coordination_office()
    )
    case = make_case(CaseState.PREPARING)
    make_risk_table(case, completed=True, rows=((3, 4),))
    sign_in(page, coordinator)
    page.set_viewport_size(PHONE)
    page.goto(reverse("risk:table", args=[case.uuid]))

    row = page.get_by_role("row").filter(has_text="Återrekrytering")
    expect_every_column_readable(page, row, 8)
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


def test_the_budget_scrolls_in_a_region_a_keyboard_reaches(english):
    """The budget stays a grid (amounts compared down each column): on a phone it scrolls
    inside a named region that a keyboard can focus and scroll; the page does not move."""
    page = english
    case = make_arrived_case()
    sign_in(page, journey_user("ngozi"))
    page.set_viewport_size(PHONE)
    page.goto(reverse("reintegration:support", args=[case.uuid]))

    entitlement = page.get_by_role("columnheader", name="Entitlement")
    region = page.locator(".table-wrap").filter(has=entitlement)
    expect(region).to_have_role("region")
    expect(region).to_have_accessible_name("Budget")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")  # the grid is wider
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    region.focus()
    page.keyboard.press("ArrowRight")
    expect(region).not_to_have_js_property("scrollLeft", 0)
    check_accessibility(page)
