"""State sets read off the state machines (`ampcase/lib/fsm.py`), against DESIGN.md section 5
written out by hand."""

import pytest

from ampcase.lib import fsm
from referrals.models import JOURNEY_OPEN_STATES, Case, CaseState
from reintegration.models import TravelPlan, TravelState
from reintegration.services.travel import JOURNEY_STATES
from risk.permissions import EDITABLE_STATES

S = CaseState
T = TravelState


def test_sources_are_the_states_a_transition_leaves_from():
    assert fsm.sources(Case.withdraw) == {
        S.REFERRED,
        S.SCREENING,
        S.PREPARING,
        S.SUBMITTED,
        S.APPROVED,
    }
    assert fsm.sources(TravelPlan.report_incident) == {T.BOOKED, T.DEPARTED}


def test_targets_are_the_states_a_transition_leads_to():
    assert fsm.targets(Case.request_changes) == {S.PREPARING}
    assert fsm.targets(TravelPlan.cancel) == {T.CANCELLED}


def test_a_bound_transition_gives_the_same_answer(db):
    case = Case(state=S.APPROVED)
    assert fsm.sources(case.depart) == fsm.sources(Case.depart) == {S.APPROVED}


def test_upstream_stops_at_the_transitions_own_target():
    # A case sent back for changes is before submission again; a submitted one is not.
    # A case found not eligible can be screened again, so it is before submission too.
    assert fsm.upstream(Case.submit) == {S.REFERRED, S.SCREENING, S.INELIGIBLE, S.PREPARING}
    # A closed case may be reopened to approved (the graph does not know it was closed from
    # there), and travel then: so closed, and reintegration before it, lead to a departure.
    assert fsm.upstream(Case.depart) == {
        S.REFERRED,
        S.SCREENING,
        S.INELIGIBLE,
        S.PREPARING,
        S.SUBMITTED,
        S.APPROVED,
        S.CLOSED,
        S.REINTEGRATION,
    }


def test_a_computed_target_counts_every_state_it_may_give():
    assert fsm.targets(Case.reopen) == {S.REINTEGRATION, S.APPROVED, S.IN_TRANSIT}


def test_state_sets_of_the_apps_are_read_off_the_graph():
    assert {S.REFERRED, S.SCREENING, S.PREPARING, S.REINTEGRATION} == EDITABLE_STATES
    assert {S.APPROVED, S.IN_TRANSIT} == JOURNEY_OPEN_STATES
    assert {S.APPROVED, S.IN_TRANSIT, S.REINTEGRATION} == JOURNEY_STATES


def test_something_that_is_not_a_transition_is_refused():
    with pytest.raises(TypeError):
        fsm.sources(Case.allocate_reference)


@pytest.mark.parametrize(
    ("transition", "back"),
    [
        (Case.request_changes, True),
        (Case.reconsider, True),
        (Case.reopen, True),
        (Case.submit, False),
        (Case.mark_eligible, False),
        (Case.approve, False),
        (TravelPlan.reopen, True),
        (TravelPlan.book, False),
    ],
)
def test_a_transition_goes_back_when_it_leads_to_an_earlier_state(transition, back):
    assert fsm.goes_back(transition) is back
