"""The level matrix, cell by cell, and the overall level."""

import pytest

from risk.scale import Impact, Level, Likelihood, level, overall

L, M, H = Level.LOW, Level.MEDIUM, Level.HIGH
EXPECTED = {
    # likelihood: levels for impact 1, 2, 3, 4
    1: [L, L, M, M],
    2: [L, M, M, H],
    3: [M, M, H, H],
    4: [M, H, H, H],
}
CELLS = [
    (likelihood, impact, EXPECTED[likelihood][impact - 1])
    for likelihood in Likelihood.values
    for impact in Impact.values
]


@pytest.mark.parametrize(("likelihood", "impact", "expected"), CELLS)
def test_level_of_every_cell(likelihood, impact, expected):
    assert level(likelihood, impact) == expected


def test_the_matrix_has_sixteen_cells():
    assert len(CELLS) == 16


def test_level_never_falls_when_likelihood_or_impact_rises():
    for likelihood in range(1, 5):
        for impact in range(1, 5):
            if likelihood < 4:
                assert level(likelihood + 1, impact) >= level(likelihood, impact)
            if impact < 4:
                assert level(likelihood, impact + 1) >= level(likelihood, impact)


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 1), (5, 1), (1, 0), (1, 5), (-1, 2)])
def test_values_outside_the_scale_are_refused(likelihood, impact):
    with pytest.raises(ValueError):
        level(likelihood, impact)


def test_overall_level_is_the_highest_row():
    assert overall([L, H, M]) == H
    assert overall([L]) == L
    assert overall([]) is None
