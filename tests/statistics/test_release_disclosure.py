"""No combination of filters and totals reveals a hidden count.

Everything the dashboard can show anyone, under every filter (each year, nationally and each
region), is gathered into one system of equations over the unknown true counts, exactly as an
attacker holding every page and every download would write it. For every hidden number an
integer programme (HiGHS) then finds the smallest and largest value consistent with all of
it; a hidden number that counts someone is protected when they differ. The tables are built
by the same functions the dashboard calls (`ampcase.statistics.release`), on random
programmes skewed as the real one is (one large region, most cells small).
"""

import random

import highspy
import pytest

from ampcase.lib import suppression
from ampcase.lib.suppression import K
from ampcase.statistics import release

REGIONS = [1, 2, 3, 4]
YEARS = [2024, 2025]
# Partitions (every case in exactly one category) and one multi-valued dimension.
PARTITIONS = {"country": ["RO", "NG", "TH", "*"], "children": ["1", "0"], "age": ["a", "b", "c"]}
MULTI = {"exploitation": ["sexual", "labour", "begging"]}


def programme(seed: int):
    """True counts: {(year, region): cases} and {(dimension, year): {(category, region): n}}."""
    rng = random.Random(seed)
    cases = {}
    by_dimension = {}
    for year in YEARS:
        for region in REGIONS:
            size = rng.choice([0, 2, 5, 9, 14, 25]) if region != 1 else rng.randint(20, 70)
            cases[(year, region)] = size
        for name, categories in PARTITIONS.items():
            counts = {}
            for region in REGIONS:
                weights = [rng.random() ** 2 for _ in categories]
                for _ in range(cases[(year, region)]):
                    category = rng.choices(categories, weights)[0]
                    counts[(category, region)] = counts.get((category, region), 0) + 1
            by_dimension[(name, year)] = counts
        for name, categories in MULTI.items():
            counts = {}
            for region in REGIONS:
                for category in categories:
                    share = rng.random()
                    hits = sum(rng.random() < share for _ in range(cases[(year, region)]))
                    counts[(category, region)] = hits
            by_dimension[(name, year)] = counts
    return cases, by_dimension


def published(cases, by_dimension):
    """Every release the dashboard builds, as the dashboard builds it."""
    years = release.year_release(YEARS, REGIONS, cases)
    tables = {}
    for index, year in enumerate(YEARS):
        line = years.table.grid[index]
        for name, categories in {**PARTITIONS, **MULTI}.items():
            tables[(name, year)] = release.dimension_release(
                categories,
                REGIONS,
                by_dimension[(name, year)],
                year_line=line,
                multi=name in MULTI,
            )
    return years, tables


class Attacker:
    """The unknown counts and every equation the published numbers give."""

    def __init__(self, years, tables):
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.n = {(y, r): self.highs.addIntegral(lb=0) for y in YEARS for r in REGIONS}
        self.x = {}
        self.secrets = []  # (name, expression, true value)
        self.telling = set()  # the labels of zeros that tell something of a small group
        for (name, year), table in tables.items():
            for category in table.categories:
                for r in REGIONS:
                    ub = self.n[(year, r)] if name in MULTI else None
                    var = self.highs.addIntegral(lb=0)
                    if ub is not None:
                        self.highs.addConstr(var <= ub)
                    self.x[(name, year, category, r)] = var
            if name in PARTITIONS:
                for r in REGIONS:
                    self.highs.addConstr(
                        sum(self.x[(name, year, c, r)] for c in table.categories)
                        == self.n[(year, r)]
                    )
        self._publish_years(years)
        for (name, year), table in tables.items():
            self._publish_dimension(name, year, table)

    def _equation(self, label, expression, shown, true, grid=None, cell=None):
        if grid is not None and suppression.telling_zero(grid, cell):
            self.telling.add(label)
        if shown is None:
            self.secrets.append((label, expression, true))
        else:
            assert shown == true, label
            self.highs.addConstr(expression == shown)

    def _publish_years(self, years):
        grid, counts = years.table.grid, years.counts
        for i, year in enumerate(YEARS):
            for j, region in enumerate(REGIONS):
                n = self.n[(year, region)]
                label = ("year", year, region)
                full = suppression.extend(counts)
                self._equation(label, n + 0, grid[i][j], counts[i][j], full, (i, j))
            row = sum(self.n[(year, r)] for r in REGIONS)
            self._equation(("year", year, "all"), row, grid[i][-1], sum(counts[i]))
        for j, region in enumerate(REGIONS):
            column = sum(self.n[(y, region)] for y in YEARS)
            true = sum(row[j] for row in counts)
            self._equation(("year", "all", region), column, grid[-1][j], true)
        everything = sum(self.n.values())
        self._equation(("year", "all", "all"), everything, grid[-1][-1], sum(map(sum, counts)))

    def _publish_dimension(self, name, year, table):
        for c, category in enumerate(table.categories):
            for j, region in enumerate(REGIONS):
                var = self.x[(name, year, category, region)]
                label = (name, year, category, region)
                shown, true = table.table.grid[c][j], table.counts[c][j]
                full = suppression.extend(table.counts)
                self._equation(label, var + 0, shown, true, full, (c, j))
            row = sum(self.x[(name, year, category, r)] for r in REGIONS)
            label = (name, year, category, "all")
            self._equation(label, row, table.table.grid[c][-1], sum(table.counts[c]))
        # The bottom row: the region totals and the year's total as this table shows them
        # (for a multi-valued dimension the sums of its rows).
        bottom = table.table.grid[-1]
        for j, region in enumerate(REGIONS):
            if name in PARTITIONS:
                expression, true = self.n[(year, region)] + 0, sum(r[j] for r in table.counts)
            else:
                expression = sum(self.x[(name, year, c, region)] for c in table.categories)
                true = sum(r[j] for r in table.counts)
            self._equation((name, year, "all", region), expression, bottom[j], true)
        everything = sum(self.x[(name, year, c, r)] for c in table.categories for r in REGIONS)
        self._equation(
            (name, year, "all", "all"), everything, bottom[-1], sum(map(sum, table.counts))
        )

    def bounds(self, expression):
        values = []
        for sense in ("minimize", "maximize"):
            getattr(self.highs, sense)(expression)
            status = self.highs.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded:
                values.append(None)
                continue
            assert status == highspy.HighsModelStatus.kOptimal, status
            values.append(round(self.highs.getObjectiveValue()))
        return values


def exposed(seed: int):
    cases, by_dimension = programme(seed)
    years, tables = published(cases, by_dimension)
    attacker = Attacker(years, tables)
    found = []
    for label, expression, true in attacker.secrets:
        low, high = attacker.bounds(expression)
        assert low <= true and (high is None or true <= high), label
        # A hidden count of one or more people is never worked out, nor a 0 that would tell
        # something of a group of fewer than 11 (see suppress_cross and telling_zero).
        if low == high and (true > 0 or label in attacker.telling):
            found.append((label, true))
    return attacker, found


@pytest.mark.parametrize("seed", range(4))
def test_no_filter_or_total_reveals_a_hidden_count(seed):
    attacker, found = exposed(seed)
    assert attacker.secrets, "the programme should have hidden cells"
    assert found == []


def test_every_small_count_is_hidden_wherever_it_is_published():
    cases, by_dimension = programme(3)
    years, tables = published(cases, by_dimension)
    for release_ in [years, *tables.values()]:
        grid, counts = release_.table.grid, release_.counts
        for i, row in enumerate(counts):
            for j, count in enumerate(row):
                if count < K:
                    assert grid[i][j] is None


def test_the_attack_finds_a_leak_when_a_table_is_suppressed_on_its_own(monkeypatch):
    """The check can fail: suppress each dimension alone, as if it did not share its totals
    with the year table, and some hidden count becomes computable."""
    monkeypatch.setattr(release, "dimension_release", lone_release)
    assert any(exposed(seed)[1] for seed in range(6))


def lone_release(categories, regions, counts, *, year_line, multi=False):
    """A dimension suppressed as a table of its own: its totals row hides what its own
    counts say, whatever the year table shows."""
    rows = tuple(tuple(counts.get((c, r), 0) for r in regions) for c in categories)
    table = suppression.suppress_cross(
        rows, hidden={(len(rows), c) for c in range(len(regions) + 1)} if multi else ()
    )
    return release.Release(tuple(categories), tuple(regions), table, rows, multi)
