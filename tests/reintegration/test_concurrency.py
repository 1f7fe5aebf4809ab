"""Races on one journey, against the real PostgreSQL: every travel service locks the case row
first, so two people acting at the same moment are served one after the other, and the second
is told that the plan changed (a `TravelError`), never an unexpected exception such as an
`IntegrityError` from the one-live-plan constraint.

These tests commit for real (`transaction=True`); the threads, the barrier and the closing of
connections are those of the referrals races (`tests/referrals/test_concurrency.py`).
"""

import pytest
from django.utils import timezone

from ampcase.accounts.roles import Role
from referrals import services as case_services
from referrals.models import Case, CaseState
from reintegration.models import TravelPlan, TravelState
from reintegration.services import travel as services
from tests.factories import add_consent, make_case, make_travel_plan, make_user, yesterday
from tests.referrals.test_concurrency import Outcome, events, load_case, run_together

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5
T = TravelState


@pytest.fixture
def second_iom_caseworker(iom_caseworker):
    return make_user(
        Role.IOM_CASEWORKER, username="ville.iom", organisation=iom_caseworker.organisation
    )


def approved_case() -> Case:
    case = make_case(CaseState.APPROVED)
    add_consent(case)
    return case


def one_winner(outcomes: list[Outcome]) -> tuple[Outcome, Outcome]:
    """Exactly one call succeeded; the other was told, with a `TravelError`, that the plan
    changed under it."""
    winners = [outcome for outcome in outcomes if outcome.ok]
    losers = [outcome for outcome in outcomes if not outcome.ok]
    assert len(winners) == 1, outcomes
    (loser,) = losers
    assert type(loser.error) is services.TravelError, loser
    assert not loser.error.problems, loser.error.problems
    return winners[0], loser


def test_two_caseworkers_starting_a_plan_at_once_make_one_plan(
    iom_caseworker, second_iom_caseworker
):
    people = [iom_caseworker, second_iom_caseworker]
    for _round in range(ROUNDS):
        case = approved_case()
        outcomes = run_together(
            [
                (load_case(case.pk, who), lambda c, who=who: services.start_plan(c, by=who))
                for who in people
            ]
        )
        winner, _loser = one_winner(outcomes)
        plan = TravelPlan.objects.get(case=case)  # exactly one
        assert plan.pk == winner.value.pk
        assert plan.created_by == people[outcomes.index(winner)]
        assert events(case, "travel.planned") == (1, 1)


def test_two_departures_at_once_move_the_case_into_transit_once(
    iom_caseworker, second_iom_caseworker
):
    people = [iom_caseworker, second_iom_caseworker]
    for _round in range(ROUNDS):
        case = approved_case()
        plan = make_travel_plan(case, state="booked", day=yesterday())
        outcomes = run_together(
            [
                (load_case(case.pk, who), lambda c, who=who: services.record_departure(c, by=who))
                for who in people
            ]
        )
        one_winner(outcomes)
        case.refresh_from_db()
        plan.refresh_from_db()
        assert (case.state, plan.state) == (CaseState.IN_TRANSIT, T.DEPARTED)
        assert events(case, "case.departed") == (1, 1)
        assert events(case, "travel.departed") == (1, 1)


def test_two_bookings_at_once_book_once(iom_caseworker, second_iom_caseworker):
    people = [iom_caseworker, second_iom_caseworker]
    for _round in range(ROUNDS):
        case = approved_case()
        plan = make_travel_plan(case)
        outcomes = run_together(
            [
                (load_case(case.pk, who), lambda c, who=who: services.book(c, by=who))
                for who in people
            ]
        )
        winner, _loser = one_winner(outcomes)
        plan.refresh_from_db()
        assert plan.state == T.BOOKED
        assert plan.booked_by == people[outcomes.index(winner)]
        assert events(case, "travel.booked") == (1, 1)


def test_cancellation_and_departure_at_once_do_one_or_the_other(
    iom_caseworker, second_iom_caseworker
):
    for _round in range(ROUNDS):
        case = approved_case()
        plan = make_travel_plan(case, state="booked", day=yesterday())
        outcomes = run_together(
            [
                (
                    load_case(case.pk, iom_caseworker),
                    lambda c: services.cancel(c, by=iom_caseworker, reason="Flight cancelled"),
                ),
                (
                    load_case(case.pk, second_iom_caseworker),
                    lambda c: services.record_departure(c, by=second_iom_caseworker),
                ),
            ]
        )
        cancelled, departed = outcomes
        one_winner(outcomes)
        case.refresh_from_db()
        plan.refresh_from_db()
        if cancelled.ok:
            assert (case.state, plan.state) == (CaseState.APPROVED, T.CANCELLED)
            assert events(case, "case.departed") == (0, 0)
        else:
            assert departed.ok
            assert (case.state, plan.state) == (CaseState.IN_TRANSIT, T.DEPARTED)
            assert events(case, "travel.cancelled") == (0, 0)


def test_withdrawal_and_departure_at_once_do_one_or_the_other(
    stockholm_coordinator, iom_caseworker
):
    for _round in range(ROUNDS):
        case = approved_case()
        plan = make_travel_plan(case, state="booked", day=yesterday())
        withdrawal, departure = run_together(
            [
                (
                    load_case(case.pk, stockholm_coordinator),
                    lambda c: case_services.withdraw_case(
                        c, by=stockholm_coordinator, on=timezone.localdate(), reason="Stannar"
                    ),
                ),
                (
                    load_case(case.pk, iom_caseworker),
                    lambda c: services.record_departure(c, by=iom_caseworker),
                ),
            ]
        )
        assert withdrawal.ok != departure.ok, (withdrawal, departure)
        case.refresh_from_db()
        plan.refresh_from_db()
        if withdrawal.ok:
            # The caseworker is told the case was withdrawn, not refused access.
            assert isinstance(departure.error, services.TravelError), departure
            assert (case.state, plan.state) == (CaseState.WITHDRAWN, T.CANCELLED)
            assert events(case, "travel.cancelled") == (1, 1)
            assert events(case, "case.departed") == (0, 0)
        else:
            # The returnee has left: too late to withdraw.
            assert type(withdrawal.error) is case_services.CaseError, withdrawal
            assert (case.state, plan.state) == (CaseState.IN_TRANSIT, T.DEPARTED)
            assert events(case, "case.withdrawn") == (0, 0)


def test_two_arrivals_at_once_start_reintegration_once(iom_caseworker, second_iom_caseworker):
    people = [iom_caseworker, second_iom_caseworker]
    for _round in range(ROUNDS):
        case = make_case(CaseState.IN_TRANSIT)
        add_consent(case)
        plan = make_travel_plan(case, state="departed")
        outcomes = run_together(
            [
                (load_case(case.pk, who), lambda c, who=who: services.record_arrival(c, by=who))
                for who in people
            ]
        )
        # The second finds the case in reintegration and is told so, not refused.
        one_winner(outcomes)
        case.refresh_from_db()
        plan.refresh_from_db()
        assert (case.state, plan.state) == (CaseState.REINTEGRATION, T.ARRIVED)
        assert events(case, "case.arrived") == (1, 1)
        assert events(case, "travel.arrived") == (1, 1)
