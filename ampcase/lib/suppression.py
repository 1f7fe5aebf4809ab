"""Small cells: which counts a table may show so that nobody counted can be singled out.

The rule (issue 12, k = 11 as IOM's Counter-Trafficking Data Collaborative uses):

- **Primary suppression.** Every count below `K` (11) is hidden and reads "fewer than 11",
  totals included. Zero counts as fewer than 11 and is hidden too: the literal rule says so,
  the words "fewer than 11" stay true, and a shown 0 beside a hidden cell tells the reader
  that everyone in that group shares the rest of the line (a row "Country X: <11, 0, 0"
  says that every returnee from X was exploited in the same way). It also keeps the page
  from saying "0" for a region where a single case would otherwise be visible next month.
- **Complementary suppression.** A hidden cell must not be computable from what is shown.
  Each line of a table (a 1-D table's categories with its total; in a cross table each row
  with its row total, each column with its column total, the totals row with the grand
  total) hides either nothing or at least two cells, so that subtracting the shown cells
  from a shown total gives only the sum of two or more hidden ones. The extra cell is the
  smallest shown cell of the line (the least information lost), preferring one whose
  crossing line also needs a second hidden cell. That rule alone is not enough: hidden
  cells whose sum is 0 are all 0, and in a cross table a hidden cell that is not on a
  cycle of hidden cells (row, column, row, ...) is fixed by differencing whole rows and
  columns. So after the line rule the exact audit below runs, and while it finds a
  determined hidden cell, the cheapest shown cell of that cell's row or column that frees
  it is hidden as well; the loop ends because hiding everything determines nothing.
- **Durations and amounts** (medians, quartiles, sums in USD) are shown only for groups of
  at least `K` cases: `may_show_statistic(case_count)`.

**The audit** (`audit_counts`, `audit_cross`) is the proof. For every hidden cell it
computes the exact range of values consistent with everything shown: the shown cells, the
shown totals and every count being at least 0. In a 1-D table that is plain arithmetic. In
a cross table it is a linear programme whose constraint matrix is a network matrix: with the
margins' signs flipped every row and column of the extended table sums to 0, so the tables
consistent with what is shown differ from the true one by a circulation on the bipartite
graph of rows and columns whose edges are the hidden cells. The largest and smallest value
of a cell are then maximum flows (Edmonds–Karp, exact integers, pure Python), the integer
optimum equals the linear one (the matrix is totally unimodular), and every value in
between is reachable. Each range comes with example tables that reach its ends, so a test
can check the claim with nothing but addition. A hidden cell is protected when its range
holds more than one value; the range of a primary cell always holds its true value, below
11.

**What one table cannot protect: differencing across filters.** Suppression here protects
one table at a time. Two tables whose populations nest or overlap give a third by
subtraction: "January–March, Stockholm: 14" and "January–February, Stockholm: 12" reveal
"March, Stockholm: 2", though each shown number is at least 11. The same holds for a
region filter against the national table, or any two periods that share months. The
dashboard must therefore not offer free date ranges. What we recommend:

1. Periods are whole calendar years only, and the month view is one fixed table per year
   (year × month), never a filter. A region coordinator's region is a fixed part of the
   national region table, never a free filter that also appears nationally in another
   shape.
2. Every view of the same data is derived from one suppressed fine table: compute the
   finest table the dashboard offers (e.g. year × month × region), suppress it once, and
   build each coarser number only by adding shown cells of that table; a coarser number
   that would need a hidden cell is itself shown as "fewer than 11" (or hidden). Then no
   two shown numbers can differ by a hidden one, because every shown number is a sum of
   shown fine cells.
3. If a free period filter is ever wanted, it must snap to those fixed blocks (quarters
   that never overlap) and must not be combinable with a second, nesting selection.

Exports (CSV, spreadsheet) show the same suppressed tables as the dashboard, so they add
nothing an attacker could subtract. The HTCDS export is case-level and protected otherwise
(consent and pseudonymisation), not by this module.

This module imports no project app, so every app may use it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass

K = 11
"""The smallest count that may be shown, and the smallest group a statistic may describe."""

Grid = tuple[tuple[int, ...], ...]
Cell = tuple[int, int]


def may_show_statistic(case_count: int) -> bool:
    """Whether a duration or amount (median, quartiles, sum) of a group of `case_count`
    cases may be shown: only for groups of at least `K` cases."""
    return _count(case_count) >= K


def is_small(count: int) -> bool:
    """Whether a count is below `K` and must be hidden (0 included)."""
    return _count(count) < K


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"A count is an int, not {type(value).__name__}.")
    if value < 0:
        raise ValueError("A count cannot be negative.")
    return value


@dataclass(frozen=True)
class CellRange:
    """What the shown numbers reveal about one hidden cell: it lies in `low`..`high`
    (`high` None: no upper bound). `examples` are tables consistent with everything shown,
    one with the cell at `low` and one at `high` (or above the true value when unbounded);
    in the shape the audit was given."""

    low: int
    high: int | None
    examples: tuple = ()

    @property
    def determined(self) -> bool:
        return self.high == self.low

    @property
    def protected(self) -> bool:
        """More than one value is possible, and at least one of them is below `K`."""
        return not self.determined and self.low < K


# --- 1-D tables: categories and their total -----------------------------------------


@dataclass(frozen=True)
class CountTable:
    """A suppressed 1-D table: `cells[i]` is the count or None (shown as "fewer than 11"),
    `total` the same for the total."""

    cells: tuple[int | None, ...]
    total: int | None


def suppress_counts(counts: Sequence[int]) -> CountTable:
    """Hide the small counts of a 1-D table and enough others that none can be computed."""
    values = [_count(v) for v in counts]
    total = sum(values)
    hidden = {i for i, v in enumerate(values) if v < K}
    total_hidden = total < K
    while True:
        shown = [i for i in range(len(values)) if i not in hidden]
        count = len(hidden) + total_hidden
        hidden_sum_zero = not total_hidden and not any(values[i] for i in hidden)
        if count == 1 or (len(hidden) >= 2 and hidden_sum_zero):
            if shown:
                hidden.add(min(shown, key=lambda i: (values[i], i)))
                continue
            if not total_hidden:
                total_hidden = True
                continue
        break
    return CountTable(
        cells=tuple(None if i in hidden else v for i, v in enumerate(values)),
        total=None if total_hidden else total,
    )


def audit_counts(counts: Sequence[int], table: CountTable) -> dict[int | str, CellRange]:
    """For each hidden cell of `table` (the suppressed form of `counts`), the range of
    values consistent with what it shows. Keys: the category's index, or "total".

    Examples are lists of the category counts (the total is their sum)."""
    values = [_count(v) for v in counts]
    _check_shown(values, table)
    hidden = [i for i, v in enumerate(table.cells) if v is None]
    shown_sum = sum(v for v in table.cells if v is not None)
    ranges: dict[int | str, CellRange] = {}
    for i in hidden:
        others = [j for j in hidden if j != i]
        if table.total is None:
            high_example = list(values)
            high_example[i] += 1
            low_example = list(values)
            low_example[i] = 0
            ranges[i] = CellRange(0, None, (low_example, high_example))
        elif not others:
            ranges[i] = CellRange(values[i], values[i], (list(values),))
        else:
            rest = table.total - shown_sum
            low_example = list(values)
            low_example[i], low_example[others[0]] = 0, values[others[0]] + values[i]
            high_example = list(values)
            for j in others:
                high_example[j] = 0
            high_example[i] = rest
            ranges[i] = CellRange(0, rest, (low_example, high_example))
    if table.total is None:
        if hidden:
            high_example = list(values)
            high_example[hidden[0]] += 1
            low_example = [0 if i in hidden else v for i, v in enumerate(values)]
            ranges["total"] = CellRange(shown_sum, None, (low_example, high_example))
        else:
            ranges["total"] = CellRange(shown_sum, shown_sum, (list(values),))
    return ranges


def _check_shown(values: list[int], table: CountTable) -> None:
    if len(values) != len(table.cells):
        raise ValueError("The table does not have the shape of the counts.")
    for value, shown in zip(values, table.cells, strict=True):
        if shown is not None and shown != value:
            raise ValueError("The table shows a count that differs from the true one.")
    if table.total is not None and table.total != sum(values):
        raise ValueError("The table shows a total that differs from the true one.")


# --- 2-D cross tables ------------------------------------------------------------------


@dataclass(frozen=True)
class CrossTable:
    """A suppressed cross table; every number is the count or None ("fewer than 11").

    `grid` is the extended table: `grid[r][c]` for the cells, `grid[r][-1]` the row
    totals, `grid[-1][c]` the column totals, `grid[-1][-1]` the grand total."""

    grid: tuple[tuple[int | None, ...], ...]

    @property
    def cells(self) -> tuple[tuple[int | None, ...], ...]:
        return tuple(row[:-1] for row in self.grid[:-1])

    @property
    def row_totals(self) -> tuple[int | None, ...]:
        return tuple(row[-1] for row in self.grid[:-1])

    @property
    def column_totals(self) -> tuple[int | None, ...]:
        return self.grid[-1][:-1]

    @property
    def total(self) -> int | None:
        return self.grid[-1][-1]


def extend(rows: Sequence[Sequence[int]]) -> Grid:
    """The cross table with its totals: one more column (row totals) and one more row
    (column totals, then the grand total)."""
    body = [[_count(v) for v in row] for row in rows]
    if not body or not body[0] or any(len(row) != len(body[0]) for row in body):
        raise ValueError("A cross table has at least one row and column, all of one length.")
    grid = [[*row, sum(row)] for row in body]
    grid.append([sum(column) for column in zip(*grid, strict=True)])
    return tuple(tuple(row) for row in grid)


def suppress_cross(
    rows: Sequence[Sequence[int]],
    *,
    hidden: Collection[Cell] = (),
    keep: Collection[Cell] = (),
    protect_zeros: bool = True,
) -> CrossTable:
    """Hide the small counts of a cross table (totals included) and enough others that
    no hidden one can be computed from the shown cells and totals.

    Tables that share numbers must hide them alike: `hidden` are cells (places in the
    extended grid) to hide whatever their value, `keep` cells that another table already
    shows and that are therefore never chosen to protect a hidden one here. A kept cell
    below `K` is hidden all the same (it cannot have been shown).

    With `protect_zeros` False a hidden 0 still reads "fewer than 11", but it is kept from
    being computed only where it would tell something of a small group (`telling_zero`):
    protecting every 0 of a sparse table (regions × destinations) hid nearly every figure,
    and most zeros say only that a large group, or nobody, is not in some category."""
    grid = extend(rows)
    hidden = {cell for cell in _cells(grid) if grid[cell[0]][cell[1]] < K} | set(hidden)
    keep = frozenset(keep) - hidden

    def secret(cell: Cell) -> bool:
        return protect_zeros or grid[cell[0]][cell[1]] > 0 or telling_zero(grid, cell)

    while True:
        if _protect_lines(grid, hidden, keep, secret):
            continue
        exposed = [
            cell for cell in sorted(hidden) if secret(cell) and _is_determined(grid, hidden, cell)
        ]
        if not exposed or not _protect_cell(grid, hidden, exposed[0], keep):
            break
    return CrossTable(
        tuple(
            tuple(None if (r, c) in hidden else v for c, v in enumerate(row))
            for r, row in enumerate(grid)
        )
    )


def audit_cross(rows: Sequence[Sequence[int]], table: CrossTable) -> dict[Cell, CellRange]:
    """For each hidden cell of `table` (the suppressed form of `rows`), keyed by its place
    in the extended grid, the exact range of values consistent with what it shows.
    Examples are extended grids."""
    grid = extend(rows)
    if len(grid) != len(table.grid) or any(
        len(a) != len(b) for a, b in zip(grid, table.grid, strict=True)
    ):
        raise ValueError("The table does not have the shape of the counts.")
    hidden = set()
    for r, c in _cells(grid):
        shown = table.grid[r][c]
        if shown is None:
            hidden.add((r, c))
        elif shown != grid[r][c]:
            raise ValueError("The table shows a count that differs from the true one.")
    ranges = {}
    for cell in sorted(hidden):
        down, low_example = _push(grid, hidden, cell, increase=False)
        up, high_example = _push(grid, hidden, cell, increase=True)
        value = grid[cell[0]][cell[1]]
        high = None if up >= _unbounded(grid) else value + up
        ranges[cell] = CellRange(value - down, high, (low_example, high_example))
    return ranges


def telling_zero(grid: Grid, cell: Cell) -> bool:
    """Whether a 0 at `cell` (of the extended grid) says something of a small group: an inner
    cell whose row or column holds between 1 and `K` - 1 people. "None of the 4 cases of
    region Nord had children" tells each of them apart; "none of Stockholm's 300 went to
    Chile", or a 0 total ("nobody in Nord this year"), tells nobody's attribute."""
    r, c = cell
    if grid[r][c] != 0 or r == len(grid) - 1 or c == len(grid[0]) - 1:
        return False
    return 0 < grid[r][-1] < K or 0 < grid[-1][c] < K


def _cells(grid: Grid) -> list[Cell]:
    return [(r, c) for r in range(len(grid)) for c in range(len(grid[0]))]


def _lines(grid: Grid) -> list[list[Cell]]:
    height, width = len(grid), len(grid[0])
    rows = [[(r, c) for c in range(width)] for r in range(height)]
    columns = [[(r, c) for r in range(height)] for c in range(width)]
    return rows + columns


def _protect_lines(
    grid: Grid,
    hidden: set[Cell],
    keep: frozenset[Cell] = frozenset(),
    secret=lambda cell: True,
) -> bool:
    """Hide a second cell in the first line that hides exactly one (a secret one); whether
    it did."""
    for line in _lines(grid):
        lone = [cell for cell in line if cell in hidden]
        if len(lone) != 1 or not secret(lone[0]):
            continue
        candidates = [cell for cell in line if cell not in hidden and cell not in keep]
        if not candidates:
            continue  # every other cell is shown elsewhere: the audit decides
        (lone,) = (cell for cell in line if cell in hidden)
        along_row = all(cell[0] == lone[0] for cell in line)

        def crossing_needs_one(cell: Cell, along_row: bool = along_row) -> bool:
            r, c = cell
            crossing = (
                [(i, c) for i in range(len(grid))]
                if along_row
                else [(r, j) for j in range(len(grid[0]))]
            )
            return sum(other in hidden for other in crossing) == 1

        hidden.add(
            min(
                candidates,
                key=lambda cell: (not crossing_needs_one(cell), grid[cell[0]][cell[1]], cell),
            )
        )
        return True
    return False


def _protect_cell(
    grid: Grid, hidden: set[Cell], exposed: Cell, keep: frozenset[Cell] = frozenset()
) -> bool:
    """Hide the cheapest shown cell of the exposed cell's row or column that makes it
    undetermined; failing that, the cheapest one there (or anywhere), and let the loop go
    on. False when every cell not kept is hidden already."""
    r, c = exposed
    line = [(r, j) for j in range(len(grid[0]))] + [(i, c) for i in range(len(grid))]
    candidates = sorted(
        {cell for cell in line if cell not in hidden and cell not in keep},
        key=lambda cell: (grid[cell[0]][cell[1]], cell),
    )
    for cell in candidates:
        if not _is_determined(grid, hidden | {cell}, exposed):
            hidden.add(cell)
            return True
    if not candidates:
        candidates = sorted(
            (cell for cell in _cells(grid) if cell not in hidden and cell not in keep),
            key=lambda cell: (grid[cell[0]][cell[1]], cell),
        )
    if not candidates:
        return False
    hidden.add(candidates[0])
    return True


def _is_determined(grid: Grid, hidden: set[Cell], cell: Cell) -> bool:
    return _push(grid, hidden, cell, increase=True, limit=1)[0] == 0 and (
        _push(grid, hidden, cell, increase=False, limit=1)[0] == 0
    )


def _unbounded(grid: Grid) -> int:
    """A capacity standing for "no bound": more than any bounded change can reach (a
    bounded change is capped by a cut of hidden cells, whose sum is below this)."""
    return 1 + sum(sum(row) for row in grid)


def _sign(grid: Grid, cell: Cell) -> int:
    """+1 for the inner cells and the grand total, -1 for the margins: with the margins'
    signs flipped every row and column of the extended table sums to zero."""
    r, c = cell
    last_r, last_c = len(grid) - 1, len(grid[0]) - 1
    return -1 if (r == last_r) != (c == last_c) else 1


def _push(
    grid: Grid, hidden: set[Cell], cell: Cell, *, increase: bool, limit: int | None = None
) -> tuple[int, Grid]:
    """How far the hidden `cell` can move up (or down) with every shown number kept and
    every count at least 0, and a table where it has moved that far.

    Nodes are the rows (0..R) and the columns (R+1..). In the sign-flipped table y a
    change d of a hidden cell (r, c) with d > 0 is flow from row r to column c, d < 0 flow
    back; rows and columns sum to zero, so a consistent change is a circulation. A count
    may grow without bound but shrink only to 0, which sets the capacities."""
    height = len(grid)
    infinite = _unbounded(grid)
    capacity: dict[int, dict[int, int]] = {}

    def arc(u: int, v: int, amount: int) -> None:
        capacity.setdefault(u, {}).setdefault(v, 0)
        capacity.setdefault(v, {}).setdefault(u, 0)
        capacity[u][v] += amount

    for other in hidden:
        if other == cell:
            continue
        r, c = other
        value = grid[r][c]
        row_node, column_node = r, height + c
        # y grows (r -> c): an inner cell grows, a margin shrinks; y shrinks: the reverse.
        grow, shrink = (infinite, value) if _sign(grid, other) == 1 else (value, infinite)
        arc(row_node, column_node, grow)
        arc(column_node, row_node, shrink)
    r, c = cell
    value = grid[r][c]
    row_node, column_node = r, height + c
    # Moving x up moves y in the cell's sign; the flow through the cell goes one way, and
    # returns the other way through the other hidden cells.
    forward = (_sign(grid, cell) == 1) == increase
    source, sink = (column_node, row_node) if forward else (row_node, column_node)
    cap = infinite if increase else value
    if limit is not None:
        cap = min(cap, limit)
    original = {u: dict(vs) for u, vs in capacity.items()}
    flow = _max_flow(capacity, source, sink, cap)
    change = [list(row) for row in grid]
    change[r][c] += flow if increase else -flow
    for other in hidden:
        if other == cell:
            continue
        o_r, o_c = other
        u, v = o_r, height + o_c
        moved_y = original[u][v] - capacity[u][v]  # net flow row -> column
        change[o_r][o_c] += _sign(grid, other) * moved_y
    return flow, tuple(tuple(row) for row in change)


def _max_flow(capacity: dict[int, dict[int, int]], source: int, sink: int, cap: int) -> int:
    """Edmonds–Karp from source to sink, stopping at `cap`; leaves the residual capacities."""
    flow = 0
    while flow < cap:
        parent = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            u = queue.popleft()
            for v, room in capacity.get(u, {}).items():
                if room > 0 and v not in parent:
                    parent[v] = u
                    queue.append(v)
        if sink not in parent:
            break
        path = []
        v = sink
        while v != source:
            path.append((parent[v], v))
            v = parent[v]
        amount = min([cap - flow] + [capacity[u][v] for u, v in path])
        for u, v in path:
            capacity[u][v] -= amount
            capacity[v][u] += amount
        flow += amount
    return flow
