"""Which sums of money a group may show (`release.amount_shown`)."""

from ampcase.statistics import release


def test_a_regions_sum_is_shown_for_at_least_11_cases():
    assert release.amount_shown({1: 11, 2: 3}, 1)
    assert not release.amount_shown({1: 10, 2: 30}, 1)


def test_the_national_sum_never_gives_away_a_small_regions_sum_by_subtraction():
    # Region 2's 3 cases are hidden: national minus region 1 would be their sum.
    assert not release.amount_shown({1: 20, 2: 3}, None)
    # Hidden regions holding 11 or more together: what subtraction gives is a large group's.
    assert release.amount_shown({1: 20, 2: 6, 3: 5}, None)
    # Nothing hidden.
    assert release.amount_shown({1: 20, 2: 12}, None)
    # Too few cases in all.
    assert not release.amount_shown({1: 4, 2: 3}, None)
