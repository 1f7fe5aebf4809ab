"""The national coordinator opens the statistics from the home page, reads a chart's table,
narrows the figures to one region and downloads a table (issue 12). axe-core checks each
page at 1280 and 390 px."""

import csv
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.test_case_journey import english, sign_in  # noqa: F401 (a fixture)
from tests.conftest import make_persona
from tests.statistics.test_dashboard import THIS_YEAR, background, bulk_cases

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_national_coordinator_reads_and_downloads_the_statistics(english):  # noqa: F811
    page = english
    referrer = make_persona("referrer")
    background(referrer)
    bulk_cases(14, referrer, country="NG")
    bulk_cases(25, referrer, region_code="syd", country="RO")
    bulk_cases(12, referrer, region_code="syd", country="BG")
    sign_in(page, make_persona("national_coordinator"))

    page.get_by_role("link", name="Open the statistics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistics")
    years = page.get_by_role("region", name="Cases by year of referral")
    expect(years.get_by_role("row", name=f"{THIS_YEAR} 65")).to_be_visible()
    countries = page.get_by_role("region", name=f"Cases by destination country, {THIS_YEAR}")
    expect(countries.get_by_role("row", name="Romania 25")).to_be_visible()
    # The chart is one image, named and described; its figures are in the table beside it.
    expect(
        page.get_by_role("img", name=f"Cases by destination country, {THIS_YEAR}")
    ).to_be_visible()
    check_accessibility(page)

    page.get_by_label("Region", exact=True).select_option(label="Syd")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text(f"Cases referred in {THIS_YEAR} in Syd.")).to_be_visible()
    countries = page.get_by_role("region", name=f"Cases by destination country, {THIS_YEAR}")
    expect(countries.get_by_role("row", name="Nigeria fewer than 11")).to_be_visible()
    check_accessibility(page)

    section = page.locator("#year")
    with page.expect_download() as download:
        section.get_by_role("link", name="CSV").click()
    rows = list(
        csv.reader(Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines())
    )
    assert rows[0] == ["Year", "Cases"]
    assert [str(THIS_YEAR), "39"] in rows  # Syd's cases, as the page shows
