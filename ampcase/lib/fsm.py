"""Questions asked of a django-fsm state graph, so that no state set is written twice.

The transitions on a model are the one place where a lifecycle is written down. Code that
needs a set of states ("the states in which a journey is planned") asks the graph for it here
instead of listing the states again by hand:

    sources(Case.depart)           # the states a transition leaves from
    targets(Case.approve)          # the states it leads to
    upstream(Case.submit)          # the states on the way to it, before it is taken
    goes_back(Case.request_changes)    # whether it goes back rather than on

Pass the transition as the model's function (`Case.submit`) or as a bound method
(`case.submit`). Nothing here imports an app.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django_fsm import ANY_OTHER_STATE, ANY_STATE, State


def _meta(transition: Callable[..., Any]):
    meta = getattr(transition, "_django_fsm", None)
    if meta is None:
        raise TypeError(f"{transition!r} is not a django-fsm transition")
    return meta


def _model(transition: Callable[..., Any]) -> type:
    owner = getattr(transition, "__self__", None)
    if owner is not None:
        return type(owner)
    return _meta(transition).field.model


def _all_states(transition: Callable[..., Any]) -> frozenset[str]:
    return frozenset(str(value) for value, _label in _meta(transition).field.choices)


def sources(transition: Callable[..., Any]) -> frozenset[str]:
    """The states `transition` may be taken from."""
    found: set[str] = set()
    for source in _meta(transition).transitions:
        if source in (ANY_STATE, ANY_OTHER_STATE):
            return _all_states(transition)
        found.add(str(source))
    return frozenset(found)


def _states_of(target) -> list[str]:
    """A transition's target: one state, or the states a computed target (`RETURN_VALUE`,
    `GET_STATE`) may give."""
    if isinstance(target, State):
        return [str(state) for state in target.allowed_states]
    return [] if target is None else [str(target)]


def targets(transition: Callable[..., Any]) -> frozenset[str]:
    """The states `transition` leads to."""
    return frozenset(
        state for t in _meta(transition).transitions.values() for state in _states_of(t.target)
    )


@cache
def _edges(model: type, field_name: str) -> frozenset[tuple[str, str]]:
    field = model._meta.get_field(field_name)
    states = [str(value) for value, _label in field.choices]
    edges: set[tuple[str, str]] = set()
    for t in field.get_all_transitions(model):
        froms = states if t.source in (ANY_STATE, ANY_OTHER_STATE) else [str(t.source)]
        edges.update((source, target) for source in froms for target in _states_of(t.target))
    return frozenset(edges)


def goes_back(transition: Callable[..., Any]) -> bool:
    """Whether `transition` goes back rather than on (asking for changes, reopening): it
    leads to a state declared before every state it leaves from. A lifecycle's states are
    declared in the order a case lives them."""
    order = {
        str(value): index for index, (value, _label) in enumerate(_meta(transition).field.choices)
    }
    earliest_source = min(order[state] for state in sources(transition))
    return any(order[state] < earliest_source for state in targets(transition))


def upstream(transition: Callable[..., Any]) -> frozenset[str]:
    """The states from which `transition` can still be reached without first taking it:
    its sources, and every state that leads to one of them without passing through one of its
    targets. `upstream(Case.submit)` is "before submission": a case sent back for changes is
    in it again, a submitted one is not."""
    meta = _meta(transition)
    edges = _edges(_model(transition), meta.field.name)
    stop = targets(transition)
    found = set(sources(transition))
    frontier = list(found)
    while frontier:
        state = frontier.pop()
        for source, target in edges:
            if target == state and source not in found and source not in stop:
                found.add(source)
                frontier.append(source)
    return frozenset(found)
