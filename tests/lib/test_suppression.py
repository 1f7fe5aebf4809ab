"""Small cells: primary and complementary suppression, and the audit that proves no hidden
cell can be computed from what a table shows."""

import itertools

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ampcase.lib.suppression import (
    CountTable,
    CrossTable,
    K,
    audit_counts,
    audit_cross,
    extend,
    is_small,
    may_show_statistic,
    suppress_counts,
    suppress_cross,
    telling_zero,
)

# The cheap examples need no database; the folder's conftest asks for one anyway.
FAST = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def hidden_cells(table: CrossTable) -> set[tuple[int, int]]:
    return {
        (r, c) for r, row in enumerate(table.grid) for c, value in enumerate(row) if value is None
    }


def lines(grid) -> list[list[tuple[int, int]]]:
    height, width = len(grid), len(grid[0])
    return [[(r, c) for c in range(width)] for r in range(height)] + [
        [(r, c) for r in range(height)] for c in range(width)
    ]


def consistent(example, table: CrossTable) -> bool:
    """Whether an extended grid is a table a reader of `table` cannot rule out: every
    count at least 0, rows and columns adding up, and every shown number the same."""
    height, width = len(example), len(example[0])
    return (
        all(v >= 0 for row in example for v in row)
        and all(sum(row[:-1]) == row[-1] for row in example)
        and all(
            sum(example[r][c] for r in range(height - 1)) == example[-1][c] for c in range(width)
        )
        and all(
            shown is None or shown == example[r][c]
            for r, row in enumerate(table.grid)
            for c, shown in enumerate(row)
        )
    )


# --- the group-size helper and the primary rule ------------------------------------------


def test_statistics_are_shown_only_for_groups_of_at_least_11():
    assert may_show_statistic(11)
    assert may_show_statistic(500)
    assert not may_show_statistic(10)
    assert not may_show_statistic(1)
    assert not may_show_statistic(0)


@pytest.mark.parametrize("bad", [-1, True, 2.5, "11", None])
def test_a_count_is_a_non_negative_int(bad):
    with pytest.raises((TypeError, ValueError)):
        may_show_statistic(bad)
    with pytest.raises((TypeError, ValueError)):
        suppress_counts([20, bad])


def test_every_count_below_11_is_hidden_and_zero_is_one_of_them():
    assert [is_small(n) for n in (0, 1, 10, 11, 12)] == [True, True, True, False, False]
    table = suppress_counts([0, 5, 10, 11, 40])
    assert table.cells[:3] == (None, None, None)
    assert table.cells[3:] == (11, 40)
    assert table.total == 66


def test_a_table_of_large_counts_is_shown_whole():
    assert suppress_counts([11, 25, 40]) == CountTable((11, 25, 40), 76)
    rows = [[11, 12], [13, 14]]
    assert suppress_cross(rows).grid == extend(rows)


# --- 1-D: complementary suppression and totals -------------------------------------------


def test_the_subtraction_attack_on_a_1d_table():
    # Hiding only the 3 would show 20, 30 and 53: 53 - 20 - 30 = 3.
    naive = CountTable((None, 20, 30), 53)
    assert audit_counts([3, 20, 30], naive)[0].determined
    assert audit_counts([3, 20, 30], naive)[0].low == 3

    table = suppress_counts([3, 20, 30])
    # The smallest shown count goes with it: 53 - 30 leaves 23 for two hidden counts.
    assert table == CountTable((None, None, 30), 53)
    ranges = audit_counts([3, 20, 30], table)
    assert {key: (r.low, r.high) for key, r in ranges.items()} == {0: (0, 23), 1: (0, 23)}
    assert all(r.protected for r in ranges.values())


def test_hidden_counts_that_add_up_to_zero_take_a_third_with_them():
    # Two hidden zeros beside a shown 50 of a total 50 are both known to be 0.
    naive = CountTable((None, None, 50), 50)
    assert all(r.determined for r in audit_counts([0, 0, 50], naive).values())
    assert suppress_counts([0, 0, 50]) == CountTable((None, None, None), 50)


def test_a_small_total_is_hidden_with_all_its_counts():
    assert suppress_counts([2, 3]) == CountTable((None, None), None)
    assert suppress_counts([]) == CountTable((), None)


def test_a_hidden_total_is_not_left_alone():
    # A total of 10 over one category would be that category: both are hidden.
    assert suppress_counts([10]) == CountTable((None,), None)
    assert suppress_counts([30]) == CountTable((30,), 30)


# --- 2-D: complementary suppression and totals -------------------------------------------


def test_the_subtraction_attack_on_a_cross_table():
    rows = [[3, 20, 30], [15, 25, 40], [12, 30, 22]]
    grid = extend(rows)
    naive = CrossTable(tuple(tuple(None if v < K else v for v in row) for row in grid))
    # Row total 53 minus 20 and 30: the hidden 3.
    assert audit_cross(rows, naive)[(0, 0)].determined
    assert audit_cross(rows, naive)[(0, 0)].low == 3

    table = suppress_cross(rows)
    # One more in its row and one more in its column, and a fourth closing the square; the
    # cheapest: 20 in its row, 12 in its column, and 30 where their column and row cross
    # (preferred to the smaller 22, which would leave column 1 with one hidden cell).
    assert hidden_cells(table) == {(0, 0), (0, 1), (2, 0), (2, 1)}
    ranges = audit_cross(rows, table)
    assert not any(r.determined for r in ranges.values())
    assert ranges[(0, 0)].low == 0 and ranges[(0, 0)].high == 15


def test_every_line_of_a_cross_table_hides_none_or_at_least_two():
    rows = [[5, 40, 60, 33], [70, 2, 80, 25], [90, 44, 1, 66]]
    table = suppress_cross(rows)
    hidden = hidden_cells(table)
    for line in lines(table.grid):
        assert sum(cell in hidden for cell in line) != 1
    assert not any(r.determined for r in audit_cross(rows, table).values())


def test_a_small_total_of_a_cross_table_is_hidden():
    # The second row adds up to 7: its total is hidden, and with it its cells.
    rows = [[30, 40, 50], [3, 4, 0], [25, 35, 45]]
    table = suppress_cross(rows)
    assert table.row_totals[1] is None
    assert table.cells[1] == (None, None, None)
    assert table.total == 232
    assert not any(r.determined for r in audit_cross(rows, table).values())


def test_a_cell_off_every_cycle_is_found_and_protected():
    # Every line hides 0 or at least 2 cells, but (1, 2) bridges two squares of hidden
    # cells: rows 0 and 1 hide 23 in all, columns 0 and 1 hide 23 in all, so (1, 2) is
    # what the rows hide beyond the columns: 3.
    rows = [[5, 6, 40, 50], [7, 5, 3, 60], [70, 80, 4, 2], [90, 95, 1, 8]]
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)}
    grid = extend(rows)
    lined_up = CrossTable(
        tuple(
            tuple(None if (r, c) in hidden else v for c, v in enumerate(row))
            for r, row in enumerate(grid)
        )
    )
    for line in lines(grid):
        assert sum(cell in hidden for cell in line) != 1
    ranges = audit_cross(rows, lined_up)
    assert ranges[(1, 2)].determined and ranges[(1, 2)].low == 3

    table = suppress_cross(rows)
    assert not any(r.determined for r in audit_cross(rows, table).values())


def test_the_audit_examples_are_tables_a_reader_cannot_rule_out():
    rows = [[3, 20, 30], [15, 25, 40], [12, 30, 2]]
    table = suppress_cross(rows)
    for (r, c), found in audit_cross(rows, table).items():
        low_example, high_example = found.examples
        assert consistent(low_example, table) and consistent(high_example, table)
        assert low_example[r][c] == found.low
        assert found.high is None or high_example[r][c] == found.high


# --- properties over random tables -------------------------------------------------------

# Small counts are the interesting ones; large ones let some cells be shown.
counts = st.one_of(st.integers(0, 12), st.integers(0, 120))


@FAST
@given(st.lists(counts, min_size=1, max_size=8))
def test_random_1d_tables_hide_every_small_count_and_reveal_none(values):
    table = suppress_counts(values)
    shown = [v for v in (*table.cells, table.total) if v is not None]
    assert all(v >= K for v in shown)
    for value, cell in zip(values, table.cells, strict=True):
        assert cell is None or cell == value
    assert table.total is None or table.total == sum(values)
    for key, found in audit_counts(values, table).items():
        assert not found.determined, key
        true = sum(values) if key == "total" else values[key]
        assert found.low <= true and (found.high is None or true <= found.high)
        for example in found.examples:
            assert all(v >= 0 for v in example)
            assert all(c is None or c == e for c, e in zip(table.cells, example, strict=True))
            assert table.total is None or sum(example) == table.total
        if key != "total":
            assert {example[key] for example in found.examples} >= {found.low}


@FAST
@given(
    st.integers(1, 5).flatmap(
        lambda width: st.lists(
            st.lists(counts, min_size=width, max_size=width), min_size=1, max_size=5
        )
    )
)
def test_random_cross_tables_hide_every_small_count_and_reveal_none(rows):
    table = suppress_cross(rows)
    grid = extend(rows)
    for r, row in enumerate(table.grid):
        for c, shown in enumerate(row):
            assert shown is None or (shown == grid[r][c] and shown >= K)
            if grid[r][c] < K:
                assert shown is None
    for (r, c), found in audit_cross(rows, table).items():
        assert not found.determined, (r, c)
        assert found.low <= grid[r][c] and (found.high is None or grid[r][c] <= found.high)
        if grid[r][c] < K:
            assert found.protected
        low_example, high_example = found.examples
        assert consistent(low_example, table) and consistent(high_example, table)
        assert low_example[r][c] == found.low
        assert high_example[r][c] != found.low


def brute_force_tables(rows, table: CrossTable, cap):
    """Every table consistent with `table` whose inner cells are at most `cap`, by trying
    them all."""
    free = [
        (r, c) for r in range(len(rows)) for c in range(len(rows[0])) if table.grid[r][c] is None
    ]
    for guess in itertools.product(range(cap + 1), repeat=len(free)):
        body = [list(row) for row in rows]
        for (r, c), v in zip(free, guess, strict=True):
            body[r][c] = v
        candidate = extend(body)
        if consistent(candidate, table):
            yield candidate


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.integers(1, 3).flatmap(
        lambda width: st.lists(
            st.lists(st.integers(0, 3), min_size=width, max_size=width), min_size=1, max_size=2
        )
    ),
    st.sets(st.tuples(st.integers(0, 3), st.integers(0, 3))),
)
def test_the_audit_agrees_with_trying_every_table(rows, hidden):
    # Any hiding pattern, not only the suppression's: the flows must give the true range.
    grid = extend(rows)
    hidden = {(r, c) for r, c in hidden if r < len(grid) and c < len(grid[0])}
    assume(sum(r < len(rows) and c < len(rows[0]) for r, c in hidden) <= 3)
    table = CrossTable(
        tuple(
            tuple(None if (r, c) in hidden else v for c, v in enumerate(row))
            for r, row in enumerate(grid)
        )
    )
    total = grid[-1][-1]
    # Inner cells up to twice the grand total: room for every bounded range seen here, and
    # an unbounded cell can be pushed past the grand total along its cycle of hidden cells
    # (each cell on it grows by at most the grand total plus one).
    cap = 2 * total + 1
    tables = list(brute_force_tables(rows, table, cap))
    for (r, c), found in audit_cross(rows, table).items():
        values = {candidate[r][c] for candidate in tables}
        assert found.low == min(values), (r, c)
        if found.high is None:
            assert max(values) > total, (r, c)
        else:
            assert found.high == max(values), (r, c)


# Tables that share numbers: cells hidden or kept because another table hides or shows them.


def test_a_cell_hidden_elsewhere_is_hidden_here_and_protected():
    rows = [[20, 30], [40, 50]]
    table = suppress_cross(rows, hidden={(2, 0)})
    assert table.column_totals[0] is None
    ranges = audit_cross(rows, table)
    assert not ranges[(2, 0)].determined


def test_a_kept_cell_is_never_chosen_to_protect_another():
    rows = [[5, 30], [40, 50]]
    free = suppress_cross(rows)
    kept = suppress_cross(rows, keep={(0, 1), (2, 0)})
    assert kept.grid[0][1] == 30 and kept.column_totals[0] == 45
    assert all(not r.determined for r in audit_cross(rows, kept).values())
    assert free != kept  # without the keep, the cheapest choice differs


def test_a_kept_cell_below_11_is_hidden_all_the_same():
    assert suppress_cross([[5, 30], [40, 50]], keep={(0, 0)}).cells[0][0] is None


def test_without_protecting_zeros_a_lone_hidden_zero_costs_nothing():
    rows = [[0, 30], [40, 50]]
    assert suppress_cross(rows).grid != suppress_cross(rows, protect_zeros=False).grid
    relaxed = suppress_cross(rows, protect_zeros=False)
    assert relaxed.cells == ((None, 30), (40, 50))


def test_without_protecting_zeros_a_count_of_someone_is_still_protected():
    rows = [[3, 30], [40, 50]]
    table = suppress_cross(rows, protect_zeros=False)
    assert not audit_cross(rows, table)[(0, 0)].determined


def test_a_telling_zero_of_a_small_group_is_protected():
    # Column 0 holds 4 people, all in row 1: its 0 in row 0 would say "none of those 4".
    rows = [[0, 30, 20], [4, 40, 25]]
    table = suppress_cross(rows, protect_zeros=False)
    ranges = audit_cross(rows, table)
    assert (0, 0) in ranges and not ranges[(0, 0)].determined


def test_telling_zero_is_an_inner_zero_of_a_line_of_1_to_10():
    grid = extend([[0, 30], [4, 40]])
    assert telling_zero(grid, (0, 0))  # column of 4
    assert not telling_zero(grid, (1, 0))  # not a zero
    grid = extend([[0, 30], [0, 40]])
    assert not telling_zero(grid, (0, 0))  # a column of nobody
