"""What the case root offers the other apps, in one place.

`referrals` imports none of the apps built on it (risk, reintegration, and later payments and
follow-up). Each of them adds what it brings to the case here, from its `AppConfig.ready()`:

- `submission_check(label)`: a condition of submission to IOM Finland, shown as a task on the
  case page (the risk app: a completed risk table, both assessments for every child);
- `case_link`: a link on the case page (the risk table, the travel plan);
- `risk_reading`: where the risk table is read (the high-risk banner's link);
- `queue`: work queues on the home page ("My work");
- `event_labels`: the words of the app's timeline entries, and `event_details`: what an entry
  is about, rendered in the reader's language from the codes it stored;
- `closing_check`: a condition of closing a case (the reintegration app: the six months of
  follow-up done, no payment waiting to be paid out, no journey under way);
- `case_withdrawn`: a signal sent inside the withdrawal's transaction, so that an app ends what
  it had under way for the case (the travel app cancels a journey not yet made);
- `change_listener`: told of every timeline entry a service wrote, at the end of the outermost
  service and still inside its transaction (the notifications app: who must act now).

Referrals registers its own checks, queues and words through the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from .models import Case


# Submission conditions (DESIGN.md section 5). A check returns what it finds missing, in
# words for the coordinator; an empty list means the condition holds.

SubmissionCheck = Callable[["Case"], list[str]]


# Where a condition is met: the URL of the page where the coordinator does it, for the case.
TaskLink = Callable[["Case"], str]


@dataclass(frozen=True)
class _Check:
    label: str
    check: SubmissionCheck
    link: TaskLink | None = None
    action: str = ""


_SUBMISSION_CHECKS: list[_Check] = []


def submission_check(
    label, link: TaskLink | None = None, action=""
) -> Callable[[SubmissionCheck], SubmissionCheck]:
    """Decorator: add a condition of submission; `label` names it in the case page's tasks,
    `link` gives the page where it is met (the task links there while it is to do) and
    `action` says, as a button, what to do there when it is the next step."""

    def register(check: SubmissionCheck) -> SubmissionCheck:
        if all(entry.check is not check for entry in _SUBMISSION_CHECKS):
            _SUBMISSION_CHECKS.append(_Check(label, check, link, action))
        return check

    return register


def submission_checks() -> list[tuple[str, SubmissionCheck]]:
    """(label, check) of every condition of submission, in the order they were added."""
    return [(entry.label, entry.check) for entry in _SUBMISSION_CHECKS]


def submission_tasks(case: Case) -> list[tuple[str, list[str], str, str]]:
    """(label, what is still missing, the page where it is met or "", what to do there) of
    every condition of submission for `case`, in the order they were added."""
    return [
        (
            entry.label,
            entry.check(case),
            entry.link(case) if entry.link is not None else "",
            entry.action or entry.label,
        )
        for entry in _SUBMISSION_CHECKS
    ]


# Links on the case page. A link takes (case, user) and returns (url, label), or None when
# the user has nothing to see there.

CaseLink = Callable[["Case", object], "tuple[str, str] | None"]
_CASE_LINKS: list[CaseLink] = []


def case_link(link: CaseLink) -> CaseLink:
    if link not in _CASE_LINKS:
        _CASE_LINKS.append(link)
    return link


def case_links(case: Case, user) -> list[tuple[str, str]]:
    return [found for link in _CASE_LINKS if (found := link(case, user))]


# Where the risk table is read, for those who may read it: the high-risk banner links
# there. One app (risk) gives it; (case, user) -> (url, label) or None.

_RISK_READING: list[CaseLink] = []


def risk_reading(link: CaseLink) -> CaseLink:
    _RISK_READING[:] = [link]
    return link


def risk_reading_link(case: Case, user) -> tuple[str, str] | None:
    return _RISK_READING[0](case, user) if _RISK_READING else None


# Work queues on the home page. A source takes the user and returns the `Queue`s that user
# has (none for a role it does not serve). Each queue is one query with a fixed limit.


@dataclass
class Queue:
    key: str
    title: str
    cases: list
    empty: str
    # A few words beside a case (its flight and date, say), by the case's id.
    notes: dict = field(default_factory=dict)


QueueSource = Callable[[object], list[Queue]]
_QUEUE_SOURCES: list[QueueSource] = []


def queue(source: QueueSource) -> QueueSource:
    if source not in _QUEUE_SOURCES:
        _QUEUE_SOURCES.append(source)
    return source


def queues_for(user) -> list[Queue]:
    return [found for source in _QUEUE_SOURCES for found in source(user)]


# The words of the timeline ("approved the return"), by audit action.

_EVENT_LABELS: dict[str, str] = {}


def event_labels(labels: dict[str, str]) -> None:
    _EVENT_LABELS.update(labels)


def describe(action: str) -> str:
    """The words for `action`; the action's code if no app gave any."""
    return str(_EVENT_LABELS.get(action, action))


# What a timeline entry is about, in the reader's language, from what the entry stored: a
# detail takes (params, note) and returns (what, note left): `what` holds no personal data
# (a consent's purpose, a document's kind, a version and its risk level) and is shown to
# whoever sees the timeline; the note left (a reason, a message) only to those who may see
# the identity. Entries of an action without a detail keep their note as it is.

EventDetail = Callable[[dict, str], "tuple[str, str]"]
_EVENT_DETAILS: dict[str, EventDetail] = {}


def event_details(details: dict[str, EventDetail]) -> None:
    _EVENT_DETAILS.update(details)


def event_detail(action: str) -> EventDetail | None:
    return _EVENT_DETAILS.get(action)


# Conditions of closing a case: a check takes (case, outcome) and returns what stands in the
# way, in words for IOM Finland (the reintegration app: follow-ups done, payments settled).

ClosingCheck = Callable[["Case", str], list[str]]
_CLOSING_CHECKS: list[ClosingCheck] = []


def closing_check(check: ClosingCheck) -> ClosingCheck:
    if check not in _CLOSING_CHECKS:
        _CLOSING_CHECKS.append(check)
    return check


def closing_problems(case: Case, outcome: str) -> list[str]:
    return [problem for check in _CLOSING_CHECKS for problem in check(case, outcome)]


# Sent inside the withdrawal's transaction, with `case` and `by`.
case_withdrawn = Signal()


# Listeners of changes. A listener takes the list of `Change`s one service made (every timeline
# entry it wrote, in order) and is called at the end of the outermost service, inside its
# transaction, once the case's object permissions are in line with the change: what it writes
# commits or rolls back with the change. (The notifications app: who must act now.)


@dataclass(frozen=True)
class Change:
    case: Case
    by: object
    action: str
    from_state: str = ""
    params: dict = field(default_factory=dict)


ChangeListener = Callable[[list[Change]], None]
_CHANGE_LISTENERS: list[ChangeListener] = []


def change_listener(listener: ChangeListener) -> ChangeListener:
    if listener not in _CHANGE_LISTENERS:
        _CHANGE_LISTENERS.append(listener)
    return listener


def changes_made(changes: list[Change]) -> None:
    """Tell every listener what a service changed (called by `referrals.services`)."""
    if changes:
        for listener in _CHANGE_LISTENERS:
            listener(changes)
