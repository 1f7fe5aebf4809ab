"""What the dashboard may show: one suppressed release of the programme's counts a year.

Every viewer sees a part of the same release, so that nothing one person is shown can be
subtracted from what another (or the same person under another filter) is shown:

- **The year table**: cases by year of referral × region, with the totals
  (`suppression.suppress_cross`). It fixes which region totals of each year are shown.
- **A table a dimension a year**: categories × regions for the cases referred that year.
  Its bottom row (the region totals and the year's total) *is* that year's line of the year
  table, hidden and shown alike; a region whose total is hidden has its whole column hidden,
  so that no other table bounds it. A multi-valued dimension (a case can name several forms
  of exploitation) has no totals row: its bottom row is hidden as a whole and the audit
  treats it as unknown.
- The national view shows a table's row totals; a region (the region coordinator's own, or
  the region filter) shows that region's column. Periods are whole calendar years, which
  never overlap: there is no free date range to difference (see `ampcase/lib/suppression.py`).

Destinations with fewer than `K` cases in a year nationally are one row, "other countries",
so that the list of rows never tells that someone went somewhere rare.

This module computes; `dashboard.py` asks the database and builds the page's tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ampcase.lib import suppression
from ampcase.lib.suppression import CrossTable, K


@dataclass(frozen=True)
class Release:
    """A suppressed cross table of categories × regions, with the counts it was made from."""

    categories: tuple[str, ...]
    regions: tuple[int, ...]
    table: CrossTable
    counts: tuple[tuple[int, ...], ...]
    # A case may count in several rows: no totals row, and no "all cases" line.
    multi: bool = False

    def column(self, region: int | None) -> list[int | None]:
        """The categories' counts for one region (its column), or nationally (the row
        totals); None where hidden."""
        if region is None:
            return list(self.table.row_totals)
        index = self.regions.index(region)
        return [row[index] for row in self.table.cells]

    def total(self, region: int | None) -> int | None:
        if self.multi:
            return None
        if region is None:
            return self.table.total
        return self.table.column_totals[self.regions.index(region)]


@lru_cache(maxsize=512)
def _suppress(
    rows: tuple[tuple[int, ...], ...],
    hidden: frozenset[tuple[int, int]],
    keep: frozenset[tuple[int, int]],
) -> CrossTable:
    # The same counts give the same table: memoised, counts only, no personal data.
    return suppression.suppress_cross(rows, hidden=hidden, keep=keep, protect_zeros=False)


def year_release(
    years: Sequence[int], regions: Sequence[int], counts: dict[tuple[int, int], int]
) -> Release:
    """Cases by year of referral (rows) and region (columns)."""
    rows = tuple(tuple(counts.get((year, region), 0) for region in regions) for year in years)
    return Release(
        categories=tuple(str(year) for year in years),
        regions=tuple(regions),
        table=_suppress(rows, frozenset(), frozenset()),
        counts=rows,
    )


def dimension_release(
    categories: Sequence[str],
    regions: Sequence[int],
    counts: dict[tuple[str, int], int],
    *,
    year_line: Sequence[int | None],
    multi: bool = False,
) -> Release:
    """One dimension's categories × regions for one year. `year_line` is that year's line of
    the year table as released: the region totals then the year's total, None where hidden."""
    rows = tuple(
        tuple(counts.get((category, region), 0) for region in regions) for category in categories
    )
    if not rows:
        rows = ((0,) * len(regions),)
        categories = ("",)
    bottom = len(rows)
    width = len(regions)
    hidden: set[tuple[int, int]] = set()
    keep: set[tuple[int, int]] = set()
    if multi:
        hidden |= {(bottom, c) for c in range(width + 1)}
    else:
        for c, shown in enumerate(year_line):
            (keep if shown is not None else hidden).add((bottom, c))
    for c, shown in enumerate(year_line[:width]):
        if shown is None:
            hidden |= {(r, c) for r in range(bottom)}
    return Release(
        categories=tuple(categories),
        regions=tuple(regions),
        table=_suppress(rows, frozenset(hidden), frozenset(keep)),
        counts=rows,
        multi=multi,
    )


def common_categories(counts: dict[tuple[str, int], int], *, rare: str) -> dict[str, str]:
    """Map each category to itself when it counts at least `K` cases over all regions, else
    to `rare` (one row for the rest)."""
    totals: dict[str, int] = {}
    for (category, _region), count in counts.items():
        totals[category] = totals.get(category, 0) + count
    return {category: category if total >= K else rare for category, total in totals.items()}


def amount_shown(region_cases: dict[int, int], region: int | None) -> bool:
    """Whether a sum of money (or another figure about a group) may be shown for one region
    or nationally, given how many cases each region's group holds. A group is shown with at
    least `K` cases; the national figure also needs the regions whose figures are hidden to
    hold together none or at least `K` cases, else national minus the shown regions would
    give a small group's figure."""
    if region is not None:
        return region_cases.get(region, 0) >= K
    if sum(region_cases.values()) < K:
        return False
    rest = sum(count for count in region_cases.values() if count < K)
    return rest == 0 or rest >= K
