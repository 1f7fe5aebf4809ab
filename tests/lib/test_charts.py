"""Charts drawn on the server: proportional, honest about hidden counts, readable without colour."""

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from ampcase.lib import charts
from ampcase.lib.charts import bar_chart, line_chart, nice_scale
from ampcase.lib.tables import SUPPRESSED, Table


def regions(*values) -> Table:
    names = ["Stockholm", "Skåne", "Väst", "Öst", "Norr", "Mitt", "Syd"]
    return Table("Cases by region", ["Region", "Cases"], list(zip(names, values, strict=False)))


def months(*values) -> Table:
    return Table(
        "Referrals by month",
        ["Month", "Referrals"],
        [(f"2026-{number:02d}", value) for number, value in enumerate(values, start=1)],
    )


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- Bars: geometry ----------------------------------------------------------------------------


def test_bar_lengths_are_proportional_to_the_values():
    bars = bar_chart(regions(40, 20, 10, 30), chart_id="regions").bars
    longest = bars[0].length
    assert [bar.length / longest for bar in bars] == pytest.approx([1.0, 0.5, 0.25, 0.75])


def test_the_longest_bar_leaves_room_for_its_value_inside_the_chart():
    chart = bar_chart(regions(1234, 17), chart_id="regions")
    first = chart.bars[0]
    assert first.value_x + len(first.value_text) * charts.CHAR_WIDTH <= chart.width


def test_a_zero_has_no_bar_but_its_value_is_written():
    bars = bar_chart(regions(12, 0), chart_id="regions").bars
    assert bars[1].length == 0
    assert bars[1].value_text == "0"
    assert not bars[1].suppressed


def test_a_suppressed_cell_is_not_drawn_as_a_value():
    bars = bar_chart(regions(40, SUPPRESSED, 20), chart_id="regions").bars
    assert bars[1].suppressed
    assert bars[1].length == 0
    assert bars[1].value_text == "fewer than 11"
    # The bars shown keep their proportions: the hidden one takes no part in the scale.
    assert bars[2].length / bars[0].length == 0.5


def test_a_single_category_fills_the_room():
    chart = bar_chart(regions(12), chart_id="regions")
    (bar,) = chart.bars
    assert bar.length > chart.width / 2
    assert chart.height > bar.bar_y + chart.bar_height


def test_all_suppressed_draws_no_bar_and_says_so():
    chart = bar_chart(regions(SUPPRESSED, SUPPRESSED), chart_id="regions")
    assert [bar.length for bar in chart.bars] == [0, 0]
    assert all(bar.suppressed for bar in chart.bars)
    assert "Highest" not in chart.desc
    assert "fewer than 11" in chart.desc


def test_the_description_names_the_threshold_suppression_applies(monkeypatch):
    from ampcase.lib import suppression

    monkeypatch.setattr(suppression, "K", 5)
    chart = bar_chart(regions(SUPPRESSED), chart_id="regions")
    assert "fewer than 5, not drawn" in chart.desc


def test_all_zero_draws_no_bar_and_divides_by_nothing():
    chart = bar_chart(regions(0, 0), chart_id="regions")
    assert [bar.length for bar in chart.bars] == [0, 0]


def test_the_description_names_the_highest_value():
    chart = bar_chart(regions(12, 1234), chart_id="regions")
    assert "Highest: Skåne, 1,234." in chart.desc


def test_amounts_are_drawn_too():
    bars = bar_chart(regions(Decimal("150.50"), Decimal("301.00")), chart_id="amounts").bars
    assert bars[0].length / bars[1].length == pytest.approx(0.5, abs=0.001)


def test_a_negative_value_or_a_text_cannot_be_drawn():
    with pytest.raises(ValueError):
        bar_chart(regions(-1), chart_id="regions")
    with pytest.raises(ValueError):
        bar_chart(regions("many"), chart_id="regions")


def test_a_chart_id_must_be_safe_in_the_page():
    with pytest.raises(ValueError):
        bar_chart(regions(1), chart_id='x" onload="alert(1)')


# --- A line for months: geometry ---------------------------------------------------------------


def test_points_stand_at_heights_proportional_to_the_values():
    chart = line_chart(months(0, 10, 20, 40), chart_id="months")
    assert chart.ticks[0].y == chart.bottom
    heights = [chart.bottom - point.y for point in chart.points]
    assert heights[1] * 2 == pytest.approx(heights[2])
    assert heights[1] * 4 == pytest.approx(heights[3])
    assert heights[0] == 0


def test_points_are_spread_evenly_across_the_plot():
    points = line_chart(months(11, 12, 13), chart_id="months").points
    assert points[1].x - points[0].x == pytest.approx(points[2].x - points[1].x)


def test_a_suppressed_month_breaks_the_line():
    chart = line_chart(months(20, 30, SUPPRESSED, 40, 50), chart_id="months")
    assert chart.points[2].suppressed
    assert chart.points[2].y is None
    assert chart.points[2].value_text == "fewer than 11"
    assert len(chart.segments) == 2
    assert [len(segment.split()) for segment in chart.segments] == [2, 2]


def test_a_single_month_is_a_marker_in_the_middle():
    chart = line_chart(months(15), chart_id="months")
    (point,) = chart.points
    assert point.x == pytest.approx((chart.left + chart.right) / 2, abs=0.01)
    assert chart.segments == [f"{point.x},{point.y}"]


def test_all_months_suppressed_draws_no_line():
    chart = line_chart(months(SUPPRESSED, SUPPRESSED), chart_id="months")
    assert chart.segments == []
    assert all(point.y is None for point in chart.points)


def test_the_scale_steps_by_one_two_or_five():
    assert nice_scale(40, whole=True) == (40, 10)
    assert nice_scale(37, whole=True) == (40, 10)
    assert nice_scale(130, whole=True) == (150, 50)
    assert nice_scale(3, whole=True) == (3, 1)
    assert nice_scale(0, whole=True) == (1, 1)


def test_many_months_write_only_every_few_labels():
    chart = line_chart(months(*range(11, 23)), chart_id="months")
    shown = [point.show_label for point in chart.points]
    assert shown[0]
    assert 2 <= sum(shown) < len(shown)


# --- The rendered SVG --------------------------------------------------------------------------


def svg_of(html: str) -> str:
    return re.search(r"<svg.*?</svg>", html, re.DOTALL).group(0)


def test_the_bar_chart_is_a_named_described_image_beside_its_table():
    chart = bar_chart(regions(40, SUPPRESSED, 0), chart_id="by-region")
    html = render_to_string("includes/chart_bars.html", {"chart": chart})
    svg = svg_of(html)
    assert 'role="img"' in svg
    assert 'aria-labelledby="by-region-title by-region-desc"' in svg
    assert '<title id="by-region-title">Cases by region</title>' in svg
    assert '<desc id="by-region-desc">Horizontal bars' in svg
    assert 'viewBox="0 0 400 ' in svg and 'width="100%"' in svg
    # The table beside it holds every figure.
    assert "<table" in html and html.index("<table") > html.index("</svg>")
    assert '<th scope="row">Skåne</th><td class="num suppressed">fewer than 11</td>' in html


def test_every_bar_has_its_category_and_value_written_as_text():
    chart = bar_chart(regions(40, SUPPRESSED, 0), chart_id="by-region")
    svg = svg_of(render_to_string("includes/chart_bars.html", {"chart": chart}))
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert texts == ["Stockholm", "40", "Skåne", "fewer than 11", "Väst", "0"]
    # The hidden count is hatched, never a bar of some length.
    assert svg.count('fill="url(#by-region-hatch)"') == 1
    assert svg.count('fill="#1d3f6e"') == 1


def test_the_line_chart_marks_each_month_and_names_the_gap():
    chart = line_chart(months(20, SUPPRESSED, 40), chart_id="by-month")
    svg = svg_of(render_to_string("includes/chart_line.html", {"chart": chart}))
    assert 'role="img"' in svg
    assert '<title id="by-month-title">Referrals by month</title>' in svg
    assert '<desc id="by-month-desc">A line through the months' in svg
    assert svg.count("<circle") == 2
    assert svg.count("<polyline") == 2
    assert ">fewer than 11</text>" in svg
    assert ">2026-01</text>" in svg


def test_coordinates_are_written_with_a_point_whatever_the_language():
    chart = line_chart(months(20, 33, 47), chart_id="by-month")
    with translation.override("sv"):
        svg = svg_of(render_to_string("includes/chart_line.html", {"chart": chart}))
    assert not re.search(r'\b(?:cx|cy|x|y|width|dx|dy)="-?\d+,\d', svg)
    for points in re.findall(r'points="([^"]*)"', svg):
        assert all(pair.count(",") == 1 for pair in points.split())


def test_every_month_written_fits_inside_the_drawing_without_touching_the_next():
    chart = line_chart(months(*range(11, 23)), chart_id="months")
    half = len("2026-01") * 0.62 * chart.font_size / 2
    shown = [point.x for point in chart.points if point.show_label]
    assert shown[0] - half >= 0 and shown[-1] + half <= chart.width
    assert all(b - a >= 2 * half for a, b in zip(shown, shown[1:], strict=False))


def test_a_few_months_have_their_values_written_above_their_markers():
    chart = line_chart(months(14, SUPPRESSED, 31), chart_id="months")
    assert [point.show_value for point in chart.points] == [True, False, True]
    svg = svg_of(render_to_string("includes/chart_line.html", {"chart": chart}))
    assert re.findall(r'<text class="value"[^>]*>([^<]*)</text>', svg) == ["14", "31"]
