"""Charts of a table's figures, drawn on the server as SVG: bars for categories, a line for months.

This module computes the geometry; `templates/includes/chart_bars.html` and
`templates/includes/chart_line.html` draw it, each with its table beside it. Both are read
without colour and without JavaScript:

- the drawing is in a `viewBox` 400 units wide shown at the page's width, so that its text
  stays readable on a phone held upright (390 px) and the chart never widens the page;
- each bar has its category written above it and its value at its end; each month of the
  line has a marker, and the scale is written on the left;
- a suppressed cell is never drawn as a value: in the bars, a small hatched square and the
  words "fewer than 11" where the bar would be (a length would read as a quantity); in the
  line, a gap, with a hatched column and the words in it;
- the SVG is one image (`role="img"`) named by its `<title>` and described by its `<desc>`,
  which says how to read it and what stands out; the table beside it gives every figure.

This module imports no app, so every app may use it.
"""

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext

from ampcase.lib import suppression
from ampcase.lib.tables import SUPPRESSED, Cell, Number, Table, cell_text, is_number

WIDTH = 400
FONT_SIZE = 14
SMALL_FONT_SIZE = 13
MARGIN = 4
# A rough width of one character of the app's font at FONT_SIZE: the server cannot measure
# text, so space for the values is reserved from their length.
CHAR_WIDTH = 0.62 * FONT_SIZE
LONGEST_LABEL = 48

_ID = re.compile(r"^[a-z][a-z0-9-]*$")


def _check_id(chart_id: str) -> None:
    # The id prefixes the ids of the title, the description and the pattern in the page.
    if not _ID.match(chart_id):
        raise ValueError(f"A chart id is lower-case letters, digits and '-', not {chart_id!r}.")


def _label(cell: Cell) -> str:
    text = cell_text(cell)
    return text if len(text) <= LONGEST_LABEL else text[: LONGEST_LABEL - 1] + "…"


def _value(cell: Cell) -> Number | None:
    """The cell's value to draw, or None for a suppressed cell; a count is never negative."""
    if cell is SUPPRESSED:
        return None
    if not is_number(cell):
        raise ValueError(f"A chart draws numbers or suppressed cells, not {cell!r}.")
    if cell < 0:
        raise ValueError(f"A chart draws counts and amounts, never a negative {cell!r}.")
    return cell


def _round(number: float) -> float:
    return round(float(number), 2)


def _series(
    table: Table, label_column: int, value_column: int, drawn: int | None
) -> tuple[list[str], list[Number | None], list[str]]:
    """The drawn rows' categories, values (None where suppressed) and values as written."""
    rows = table.rows[:drawn]
    return (
        [_label(row[label_column]) for row in rows],
        [_value(row[value_column]) for row in rows],
        [cell_text(row[value_column]) for row in rows],
    )


def _largest(labels: list[str], values: list[Number | None]) -> tuple[str, str] | None:
    shown = [(value, label) for label, value in zip(labels, values, strict=True) if value]
    if not shown:
        return None
    value, label = max(shown, key=lambda pair: pair[0])
    return label, cell_text(value)


def _describe(kind: str, labels: list[str], values: list[Number | None]) -> str:
    """How to read the chart, its highest value, and whether some are hidden."""
    parts = [kind]
    largest = _largest(labels, values)
    if largest:
        label, value = largest
        parts.append(gettext("Highest: %(label)s, %(value)s.") % {"label": label, "value": value})
    if any(value is None for value in values):
        parts.append(
            gettext("Hatched: fewer than %(count)d, not drawn as a value.")
            % {"count": suppression.K}
        )
    return " ".join(parts)


# --- Bars --------------------------------------------------------------------------------------

BAR_HEIGHT = 20
LABEL_HEIGHT = 18
ROW_GAP = 12
ROW_HEIGHT = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
VALUE_GAP = 6


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    suppressed: bool
    # The baseline of the category's text, above its bar.
    label_y: float
    bar_y: float
    length: float
    # Where the value's text starts, and its baseline (the bar's middle).
    value_x: float
    value_y: float


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    desc: str
    table: Table
    bars: list[Bar]
    height: float
    width: int = WIDTH
    x: int = MARGIN
    bar_height: int = BAR_HEIGHT
    font_size: int = FONT_SIZE


def bar_chart(
    table: Table,
    *,
    chart_id: str,
    label_column: int = 0,
    value_column: int = 1,
    drawn: int | None = None,
) -> BarChart:
    """Horizontal bars, one a row of `table`: the category from `label_column`, the length
    from `value_column` (numbers or `SUPPRESSED`), proportional to the largest value. Only
    the first `drawn` rows are drawn when given (a total stays in the table only)."""
    _check_id(chart_id)
    labels, values, texts = _series(table, label_column, value_column, drawn)
    largest = max((value for value in values if value is not None), default=0)
    longest_text = max((len(text) for text in texts), default=0)
    # The longest bar leaves room for the longest value after it.
    room = WIDTH - 2 * MARGIN - VALUE_GAP - longest_text * CHAR_WIDTH
    bars = []
    for index, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        top = MARGIN + index * ROW_HEIGHT
        bar_y = top + LABEL_HEIGHT
        if value is None:
            # A hatched square like a legend's key, then the words where the bar would be.
            length = 0.0
            value_x = MARGIN + BAR_HEIGHT + VALUE_GAP
        else:
            length = _round(Decimal(value) / Decimal(largest) * Decimal(room)) if largest else 0.0
            value_x = MARGIN + length + VALUE_GAP
        bars.append(
            Bar(
                label=label,
                value_text=text,
                suppressed=value is None,
                label_y=top + FONT_SIZE,
                bar_y=bar_y,
                length=length,
                value_x=_round(value_x),
                value_y=bar_y + BAR_HEIGHT / 2,
            )
        )
    desc = _describe(
        gettext(
            "Horizontal bars, one for each row of the table beside the chart, with the "
            "category above the bar and its value after it."
        ),
        labels,
        values,
    )
    return BarChart(
        id=chart_id,
        title=str(table.title),
        desc=desc,
        table=table,
        bars=bars,
        height=max(len(bars), 1) * ROW_HEIGHT + MARGIN,
    )


# --- A line for months -------------------------------------------------------------------------

LINE_HEIGHT = 240
PLOT_TOP = 24
PLOT_BOTTOM = LINE_HEIGHT - 36
PLOT_RIGHT = WIDTH - 16
MARKER_RADIUS = 4


@dataclass(frozen=True)
class Point:
    label: str
    value_text: str
    suppressed: bool
    x: float
    # None for a suppressed month: it has no place on the scale.
    y: float | None
    # Whether its month is written under the axis, and its value above the marker.
    show_label: bool
    show_value: bool


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class LineChart:
    id: str
    title: str
    desc: str
    table: Table
    points: list[Point]
    # Runs of months with a value, each drawn as one polyline ("x,y x,y ...").
    segments: list[str]
    ticks: list[Tick]
    left: float
    width: int = WIDTH
    height: int = LINE_HEIGHT
    top: int = PLOT_TOP
    bottom: int = PLOT_BOTTOM
    right: float = PLOT_RIGHT
    gap_width: float = 0
    gap_half: float = 0
    plot_height: int = PLOT_BOTTOM - PLOT_TOP
    font_size: int = SMALL_FONT_SIZE
    marker_radius: int = MARKER_RADIUS


def nice_scale(largest: Number, *, whole: bool) -> tuple[Number, Number]:
    """The top of the scale and its step: 1, 2 or 5 times a power of ten, about four steps."""
    if largest <= 0:
        return (1, 1) if whole else (Decimal(1), Decimal(1))
    raw = Decimal(largest) / 4
    power = Decimal(10) ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if whole:
        step = max(int(step), 1)
    return step * math.ceil(Decimal(largest) / step), step


def line_chart(
    table: Table,
    *,
    chart_id: str,
    label_column: int = 0,
    value_column: int = 1,
    drawn: int | None = None,
) -> LineChart:
    """A line through the rows of `table` in order (months): the month from `label_column`,
    the value from `value_column` (numbers or `SUPPRESSED`) on a scale from zero. Only the
    first `drawn` rows are drawn when given (a total stays in the table only)."""
    _check_id(chart_id)
    labels, values, texts = _series(table, label_column, value_column, drawn)
    shown = [value for value in values if value is not None]
    whole = all(isinstance(value, int) for value in shown)
    top_value, step = nice_scale(max(shown, default=0), whole=whole)
    tick_values = [step * i for i in range(int(Decimal(top_value) / Decimal(step)) + 1)]
    tick_texts = [cell_text(value) for value in tick_values]
    char = 0.62 * SMALL_FONT_SIZE
    longest_label = max((len(label) for label in labels), default=1)
    # The first and last months are written centred under their points, inside the drawing.
    half_label = longest_label * char / 2 + 2
    left = max(MARGIN + max(len(text) for text in tick_texts) * char + 8, half_label)
    right = min(PLOT_RIGHT, WIDTH - half_label)
    plot_height = PLOT_BOTTOM - PLOT_TOP
    count = len(labels)
    spacing = (right - left) / (count - 1) if count > 1 else 0

    def y_of(value: Number) -> float:
        return _round(PLOT_BOTTOM - Decimal(value) / Decimal(top_value) * plot_height)

    # Write as many months and values as fit side by side; the table has all of them.
    every = max(1, math.ceil((longest_label * char + 8) / spacing)) if spacing else 1
    longest_value = max((len(text) for text in texts), default=1)
    values_fit = not spacing or spacing >= longest_value * char + 6
    points = []
    for index, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        x = _round(left + index * spacing if count > 1 else (left + right) / 2)
        points.append(
            Point(
                label=label,
                value_text=text,
                suppressed=value is None,
                x=x,
                y=None if value is None else y_of(value),
                show_label=index % every == 0,
                show_value=value is not None and values_fit,
            )
        )
    segments, run = [], []
    for point in [*points, None]:
        if point is not None and point.y is not None:
            run.append(f"{point.x},{point.y}")
            continue
        if run:
            segments.append(" ".join(run))
        run = []
    gap_width = _round(min(max(spacing * 0.6, 12), 20))
    desc = _describe(
        gettext(
            "A line through the months of the table beside the chart, with a circle on each "
            "month and the scale on the left."
        ),
        labels,
        values,
    )
    return LineChart(
        id=chart_id,
        title=str(table.title),
        desc=desc,
        table=table,
        points=points,
        segments=segments,
        ticks=[
            Tick(y_of(value), text) for value, text in zip(tick_values, tick_texts, strict=True)
        ],
        left=_round(left),
        right=_round(right),
        gap_width=gap_width,
        gap_half=_round(gap_width / 2),
    )
