"""Races on one case, against the real PostgreSQL: every service locks the case row, so two
people acting at the same moment are served one after the other, and the second is told that
the case changed (a `CaseError`), never an unexpected exception.

These tests commit for real (`transaction=True`): each thread opens its own connection, all
threads start together at a `threading.Barrier`, and each closes its connection when done.
"""

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from ampcase.accounts.models import User
from ampcase.accounts.roles import Role
from ampcase.audit.models import AuditEvent
from referrals import permissions, services
from referrals.grants import desired_grants
from referrals.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseState,
    CaseUserObjectPermission,
    ConsentPurpose,
    Decision,
)
from tests.factories import add_consent, make_case, make_ready_to_submit, make_user, region

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5
# No thread may wait for ever: a statement stuck on a lock fails the test instead.
STATEMENT_TIMEOUT = "20s"
JOIN_TIMEOUT = 30


class Outcome:
    """What one thread's call did: returned `value`, or raised `error`."""

    def __init__(self) -> None:
        self.value: Any = None
        self.error: BaseException | None = None
        self.finished = False

    @property
    def ok(self) -> bool:
        return self.finished and self.error is None

    def __repr__(self) -> str:
        return f"Outcome(value={self.value!r}, error={self.error!r})"


def run_together(
    calls: list[tuple[Callable[[], Any], Callable[[Any], Any]]],
) -> list[Outcome]:
    """Run each `(prepare, act)` in its own thread: `prepare()` first (load the case, as the
    view does), then all threads wait at one barrier and call `act(prepared)` at once."""
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]

    def work(outcome: Outcome, prepare, act) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
            prepared = prepare()
            barrier.wait(timeout=JOIN_TIMEOUT)
            outcome.value = act(prepared)
        except BaseException as error:  # recorded, and judged by the test
            outcome.error = error
        finally:
            outcome.finished = True
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(outcome, prepare, act), daemon=True)
        for outcome, (prepare, act) in zip(outcomes, calls, strict=True)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish in time"
    return outcomes


def load_case(pk: int, user) -> Callable[[], Case]:
    """What a view does before calling the service: load the case and check the button."""

    def prepare() -> Case:
        case = Case.objects.select_related("region").get(pk=pk)
        permissions.forget_perms(user)
        permissions.can_view(case, user)
        return case

    return prepare


def one_winner(outcomes: list[Outcome]) -> tuple[Outcome, list[Outcome]]:
    """Exactly one call succeeded; every other one was refused with a `CaseError`."""
    winners = [outcome for outcome in outcomes if outcome.ok]
    losers = [outcome for outcome in outcomes if not outcome.ok]
    assert len(winners) == 1, outcomes
    for loser in losers:
        assert isinstance(loser.error, services.CaseError), loser
        assert not loser.error.problems, loser.error.problems  # "it changed", not "not ready"
    return winners[0], losers


def events(case: Case, action: str) -> tuple[int, int]:
    """(timeline entries, audit events) of `action` on `case`."""
    timeline = CaseEvent.objects.filter(case=case, action=action).count()
    trail = AuditEvent.objects.filter(
        action=action, object_type="referrals.case", object_id=str(case.pk)
    ).count()
    return timeline, trail


def grants(case: Case):
    """The case's object permissions as stored: ({(group, codename)}, {(user, codename)})."""
    groups = set(
        CaseGroupObjectPermission.objects.filter(content_object=case).values_list(
            "group_id", "permission__codename"
        )
    )
    users = set(
        CaseUserObjectPermission.objects.filter(content_object=case).values_list(
            "user_id", "permission__codename"
        )
    )
    return groups, users


def expected_grants(case: Case):
    """The same, as `grants.desired_grants` says they should be now."""
    groups, users = desired_grants(case)
    return (
        {(holder, name) for holder, names in groups.items() for name in names},
        {(holder, name) for holder, names in users.items() for name in names},
    )


@pytest.fixture
def second_stockholm_coordinator(stockholm_coordinator):
    return make_user(
        Role.REGION_COORDINATOR,
        username="kalle.sthlm",
        organisation=stockholm_coordinator.organisation,
    )


@pytest.fixture
def second_iom_caseworker(iom_caseworker):
    return make_user(
        Role.IOM_CASEWORKER, username="ville.iom", organisation=iom_caseworker.organisation
    )


# a. Two coordinators of the region press the same button at the same moment.

RACES = {
    "start_screening": (
        lambda: make_case(CaseState.REFERRED),
        services.start_screening,
        "case.screening_started",
        CaseState.SCREENING,
    ),
    "submit_case": (
        lambda: make_ready_to_submit(make_case(CaseState.PREPARING)),
        services.submit_case,
        "case.submitted",
        CaseState.SUBMITTED,
    ),
}


@pytest.mark.parametrize("action", RACES)
def test_two_coordinators_acting_at_once_one_wins_the_other_is_told(
    action, stockholm_coordinator, second_stockholm_coordinator
):
    make, service, event, target = RACES[action]
    people = [stockholm_coordinator, second_stockholm_coordinator]
    for _round in range(ROUNDS):
        case = make()
        outcomes = run_together(
            [(load_case(case.pk, who), lambda c, who=who: service(c, by=who)) for who in people]
        )
        winner, _losers = one_winner(outcomes)
        who = people[outcomes.index(winner)]
        case.refresh_from_db()
        assert case.state == target
        assert events(case, event) == (1, 1)
        transition = CaseEvent.objects.get(case=case, action=event)
        assert transition.actor_id == who.pk
        assert transition.to_state == target
        assert grants(case) == expected_grants(case)


# b. Two IOM caseworkers decide the same submission differently at the same moment.


def test_approval_and_rejection_at_once_give_one_decision(iom_caseworker, second_iom_caseworker):
    for _round in range(3):
        case = make_case(CaseState.SUBMITTED)
        outcomes = run_together(
            [
                (
                    load_case(case.pk, iom_caseworker),
                    lambda c: services.approve_case(c, by=iom_caseworker),
                ),
                (
                    load_case(case.pk, second_iom_caseworker),
                    lambda c: services.reject_case(
                        c, by=second_iom_caseworker, reason="Inte frivilligt."
                    ),
                ),
            ]
        )
        winner, _losers = one_winner(outcomes)
        case.refresh_from_db()
        decision = Decision.objects.get(case=case)  # exactly one
        assert case.state in {CaseState.APPROVED, CaseState.REJECTED}
        assert decision.outcome == case.state == winner.value.state
        assert decision.iom_user_id == (
            iom_caseworker.pk if case.state == CaseState.APPROVED else second_iom_caseworker.pk
        )
        assert events(case, "case.approved")[0] + events(case, "case.rejected")[0] == 1
        # IOM decided once: nobody holds decide_case on it any more.
        assert grants(case) == expected_grants(case)
        assert not any(name == permissions.DECIDE for _group, name in grants(case)[0])


# c. Referrals logged at the same moment get distinct, consecutive references.


def test_twenty_referrals_at_once_get_consecutive_references(referrer):
    year = timezone.localdate().year
    counter = CaseCounter.objects.filter(year=year).first()
    before = counter.last_number if counter else 0
    threads = 20

    def prepare():
        return User.objects.get(pk=referrer.pk)  # each request loads its own user

    def log(by):
        return services.log_referral(
            by=by,
            region=region("stockholm"),
            given_name="Åsa",
            family_name="Öberg",
            date_of_birth=dt.date(1995, 4, 1),
            consent_on=dt.date(2026, 11, 20),
            consent_method="written",
        )

    outcomes = run_together([(prepare, log)] * threads)
    assert all(outcome.ok for outcome in outcomes), [o for o in outcomes if not o.ok]
    references = sorted(outcome.value.reference for outcome in outcomes)
    assert len(set(references)) == threads
    assert references == [f"ÅMP-{year}-{n:04d}" for n in range(before + 1, before + threads + 1)]
    assert before == 0  # the database is fresh: the year's numbers start at 1
    assert CaseCounter.objects.get(year=year).last_number == before + threads
    cases = Case.objects.filter(reference__in=references)
    assert cases.count() == threads
    assert len(set(cases.values_list("pseudonym", flat=True))) == threads
    assert CaseEvent.objects.filter(case__in=cases, action="case.referred").count() == threads


# d. IOM decides while the coordinator records that consent to share with IOM is withdrawn.


def test_consent_withdrawn_during_the_decision_leaves_iom_without_the_identity(
    stockholm_coordinator, iom_caseworker
):
    for _round in range(3):
        case = make_case(CaseState.SUBMITTED)
        add_consent(case, ConsentPurpose.IOM_FINLAND)
        outcomes = run_together(
            [
                (
                    load_case(case.pk, iom_caseworker),
                    lambda c: services.approve_case(c, by=iom_caseworker),
                ),
                (
                    load_case(case.pk, stockholm_coordinator),
                    lambda c: services.record_consent(
                        c,
                        by=stockholm_coordinator,
                        purpose=ConsentPurpose.IOM_FINLAND,
                        given=False,
                        decided_on=dt.date(2026, 11, 21),
                        method="written",
                    ),
                ),
            ]
        )
        assert all(outcome.ok for outcome in outcomes), outcomes
        case.refresh_from_db()
        assert case.state == CaseState.APPROVED
        permissions.forget_perms(iom_caseworker)
        assert permissions.case_perms(iom_caseworker, case) == {permissions.VIEW}
        assert grants(case) == expected_grants(case)


# e. A permission read before the row lock (by the view) is read again under it. Without
# `forget_perms` in `lock_case`, the view's cached `work_case` let a coordinator assign a social
# worker to a case withdrawn meanwhile (the social worker then saw the returnee's identity).
# A case withdrawn meanwhile is told as what it is now; a case transferred away meanwhile
# (the right itself gone, the state unchanged) is a refusal.


LATE_CALLS = {
    "assign_social_worker": lambda case, by, people: services.assign_social_worker(
        case, by=by, social_worker=people["social_worker"]
    ),
    "record_consent": lambda case, by, people: services.record_consent(
        case,
        by=by,
        purpose=ConsentPurpose.IOM_FINLAND,
        given=True,
        decided_on=dt.date(2026, 11, 21),
        method="written",
    ),
    "share_for_consultation": lambda case, by, people: services.share_for_consultation(case, by=by),
}
MEANWHILE = {
    "withdrawn": lambda case, by: services.withdraw_case(
        case, by=by, on=timezone.localdate(), reason="Vill stanna."
    ),
    "transferred": lambda case, by: services.transfer_case(
        case, by=by, region=region("syd"), reason="Flyttar till Malmö."
    ),
}


@pytest.mark.parametrize("meanwhile", MEANWHILE)
@pytest.mark.parametrize("late_call", LATE_CALLS)
def test_permission_read_before_the_row_lock_is_checked_again_after_it(
    late_call, meanwhile, stockholm_coordinator, second_stockholm_coordinator, social_worker
):
    case = make_case(CaseState.PREPARING)
    holds_lock = threading.Event()

    def change_while_the_other_waits(_prepared):
        # Coordinator B takes the row lock first, waits until A's service is blocked on it,
        # then withdraws or transfers the case and commits.
        with transaction.atomic():
            Case.objects.select_for_update().get(pk=case.pk)
            holds_lock.set()
            for _ in range(100):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )
                    if cursor.fetchone()[0]:
                        break
                time.sleep(0.05)
            MEANWHILE[meanwhile](case, second_stockholm_coordinator)

    def act_after_the_view_checked(prepared):
        # Coordinator A's request: the view checked can_work (cached) before B committed.
        holds_lock.wait(timeout=JOIN_TIMEOUT)
        assert permissions.can_work(prepared, stockholm_coordinator)
        people = {"social_worker": social_worker}
        return LATE_CALLS[late_call](prepared, stockholm_coordinator, people)

    events_before = CaseEvent.objects.filter(case=case).count()
    changer, late = run_together(
        [
            (lambda: None, change_while_the_other_waits),
            (load_case(case.pk, stockholm_coordinator), act_after_the_view_checked),
        ]
    )
    assert changer.ok, changer
    case.refresh_from_db()
    denials = AuditEvent.objects.filter(action="access.denied", actor=stockholm_coordinator)
    if meanwhile == "withdrawn":
        # Told what happened (for consent: only a withdrawal may still be recorded), not refused.
        assert case.state == CaseState.WITHDRAWN
        assert type(late.error) is services.CaseError, late
        assert not denials.exists()
    else:
        # Coordinator A's region no longer holds the case: refused, and the refusal kept.
        assert case.region.code == "syd"
        assert isinstance(late.error, services.Denied), late
        assert denials.count() == 1
    # The late call changed nothing: no social worker given the identity, no consent entry,
    # nothing shown to IOM.
    assert case.social_worker_id is None
    assert case.consultation_shared_at is None
    assert not case.consents.filter(purpose=ConsentPurpose.IOM_FINLAND).exists()
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1  # B's change
    assert grants(case) == expected_grants(case)
