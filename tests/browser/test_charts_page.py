"""Both charts with their tables, in a real browser: axe-core finds no WCAG 2.1 A/AA violation
at a desktop's width or a phone's, and on the phone nothing scrolls sideways.

The charts are includes that no page of the app shows yet, so the page is rendered here and
handed to the browser directly (`set_content`), with the app's own style sheet: no URL is
added to the app for a test."""

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from ampcase.lib.charts import bar_chart, line_chart
from ampcase.lib.tables import SUPPRESSED, Table
from tests.browser.conftest import DESKTOP, MEASURE_WIDTH, PHONE, run_axe


def charts_page(language: str) -> str:
    with translation.override(language):
        forms = Table(
            "Cases by form of exploitation",
            ["Form", "Cases"],
            [
                ("Sexual exploitation", 1234),
                ("Forced labour", 412),
                ("Begging", SUPPRESSED),
                ("Organ removal", 0),
                ("Democratic Republic of the Congo, a name longer than a phone is wide", 120),
            ],
        )
        months = Table(
            "Referrals by month",
            ["Month", "Referrals"],
            [
                (f"2026-{number:02d}", value)
                for number, value in enumerate([14, 22, SUPPRESSED, 18, 40, 33, 12], start=1)
            ],
        )
        body = render_to_string(
            "includes/chart_bars.html", {"chart": bar_chart(forms, chart_id="forms")}
        ) + render_to_string(
            "includes/chart_line.html", {"chart": line_chart(months, chart_id="months")}
        )
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Charts</title><style>{css}</style></head>"
        f'<body><main class="container"><h1>Charts</h1>{body}</main></body></html>'
    )


@pytest.fixture
def blank_page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("language", ["en", "sv"])
def test_both_charts_pass_axe_and_fit_a_phone(blank_page, language):
    page = blank_page
    page.set_content(charts_page(language))
    page.set_viewport_size(DESKTOP)
    run_axe(page)
    page.set_viewport_size(PHONE)
    run_axe(page)
    measured = page.evaluate(MEASURE_WIDTH)
    assert measured["width"] <= measured["limit"], measured
    # Each chart is one image named by its title, beside a table of the same figures.
    assert page.get_by_role("img", name="Cases by form of exploitation").count() == 1
    assert page.get_by_role("img", name="Referrals by month").count() == 1
    assert page.get_by_role("table").count() == 2
