"""Random walks through the case services by random people (hypothesis, stateful).

Each example starts from a fresh case, optionally walks it some way along the happy path, then
calls services in a random order as random actors. Every call either succeeds or is refused
with `CaseError` / `PermissionDenied`; anything else fails. After every step the machine checks
that the case only moved along the edges of DESIGN.md section 5, that it was complete when it
was submitted, that final states stay final, that a refused call changed nothing, and that the
object permissions are exactly what DESIGN.md section 6 says for the state the case is in.

The test runs inside pytest-django's transaction; each example runs in a savepoint that is
rolled back in `teardown`, so examples never see each other's data. Two plain tests follow:
a refusal is kept in the audit trail (committing for real), and consent to share with IOM can
be withdrawn after the case ended.
"""

import datetime as dt
import random

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from ampcase.audit.models import AuditEvent
from referrals import grants, permissions, registry, services
from referrals.models import (
    Application,
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseState,
    CaseUserObjectPermission,
    Consent,
    ConsentPurpose,
    Decision,
    Document,
    EligibilityAssessment,
    current_consents,
)
from referrals.permissions import DECIDE, IDENTITY, STATUS, VIEW, WORK
from risk import services as risk_services
from risk.models import RiskRow, RiskTable
from tests.factories import make_case, make_document

S = CaseState

# DESIGN.md section 5, written out independently of the model's transitions.
BEFORE_DEPARTURE = (S.REFERRED, S.SCREENING, S.PREPARING, S.SUBMITTED, S.APPROVED)
EDGES = frozenset(
    {
        (S.REFERRED, S.SCREENING),
        (S.SCREENING, S.PREPARING),
        (S.SCREENING, S.INELIGIBLE),
        (S.PREPARING, S.SUBMITTED),
        (S.SUBMITTED, S.APPROVED),
        (S.SUBMITTED, S.REJECTED),
        (S.SUBMITTED, S.PREPARING),
        *((state, S.WITHDRAWN) for state in BEFORE_DEPARTURE),
    }
)
FINAL = frozenset({S.INELIGIBLE, S.REJECTED, S.WITHDRAWN})
SUBMITTED_OR_LATER = frozenset({S.SUBMITTED, S.APPROVED, S.REJECTED})

ACTORS = ("stockholm", "syd", "iom", "approver", "social", "referrer")
# The submission checks the happy path below knows how to satisfy. A check added by another
# app blocks the walk to `submitted` until this machine learns to satisfy it as well.
KNOWN_SUBMISSION_CHECKS = {
    "referrals.checks.eligibility_passed",
    "referrals.checks.consent_to_share_with_iom",
    "referrals.checks.application_signed",
    "referrals.checks.signed_application_uploaded",
    "risk.services.submission_problems",
}
RISK_ROW = {
    "where": "home",
    "threat": "traffickers",
    "description": "Återrekrytering",
    "likelihood": 2,
    "impact": 3,
    "mitigation": "Mottagning på flygplatsen",
    "responsible": "IOM",
}

ELIGIBLE = ("trafficking_presumed", True, "origin")
NOT_ELIGIBLE = ("trafficking_identified", False, "origin")
COMPLETE_APPLICATION = "interpreter"

SETTINGS = settings(
    max_examples=50,
    # No shrinking: it replays examples for up to five minutes. A failure is shown as it was
    # found (the walk's plan is noted, then at most `stateful_step_count` steps).
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def registered_submission_checks() -> set[str]:
    """The dotted names of the submission checks registered now (the one place that knows
    where they are registered)."""
    return {
        f"{check.__module__}.{check.__name__}" for _label, check in registry.submission_checks()
    }


def actor(usual: str):
    """Mostly the person who usually does this, otherwise anybody."""
    return st.one_of(st.just(usual), st.sampled_from(ACTORS))


def today() -> dt.date:
    return timezone.localdate()


def grant_rows(case_pk: int) -> tuple[frozenset, frozenset]:
    """The case's object permissions as stored: ({(group, codename)}, {(user, codename)})."""
    groups = CaseGroupObjectPermission.objects.filter(content_object_id=case_pk).values_list(
        "group_id", "permission__codename"
    )
    users = CaseUserObjectPermission.objects.filter(content_object_id=case_pk).values_list(
        "user_id", "permission__codename"
    )
    return frozenset(groups), frozenset(users)


def desired_rows(case: Case) -> tuple[frozenset, frozenset]:
    groups, users = grants.desired_grants(case)
    return (
        frozenset((holder, name) for holder, names in groups.items() for name in names),
        frozenset((holder, name) for holder, names in users.items() for name in names),
    )


def _count(model) -> Subquery:
    rows = model.objects.filter(case=OuterRef("pk")).order_by().values("case")
    return Subquery(rows.annotate(n=Count("pk")).values("n")[:1])


# Columns of the case and of its one-to-one rows that a call may change.
SNAPSHOT_FIELDS = (
    *(field.attname for field in Case._meta.concrete_fields),
    *(f"eligibility__{field.attname}" for field in EligibilityAssessment._meta.concrete_fields),
    *(f"application__{field.attname}" for field in Application._meta.concrete_fields),
)


def snapshot(case_pk: int) -> dict:
    """Everything a call may change on the case, in five queries."""
    row = (
        Case.objects.filter(pk=case_pk)
        .annotate(
            n_events=_count(CaseEvent),
            n_decisions=_count(Decision),
            n_consents=_count(Consent),
            n_documents=_count(Document),
        )
        .values(*SNAPSHOT_FIELDS, "n_events", "n_decisions", "n_consents", "n_documents")
        .get()
    )
    row["grants"] = grant_rows(case_pk)
    row["risk"] = sorted(
        RiskTable.objects.filter(case_id=case_pk).values_list("version", "state", "completed_at")
    ) + [RiskRow.objects.filter(table__case_id=case_pk).count()]
    return row


def build_machine(people: dict, reached: set):
    # Which scope groups each person is in (fixed during the test): to read what each one
    # holds on the case from the grant rows, without a query per person.
    groups_of = {
        name: set(person.groups.values_list("pk", flat=True)) for name, person in people.items()
    }

    class CaseMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            case = make_case(S.REFERRED, referred_by=people["referrer"], destination_country="")
            self.case_pk = case.pk
            self._case: Case | None = case
            self.last_state = case.state
            self.final_state: str | None = None
            self.submissions: list[list[str]] = []  # the problems at each accepted submission
            self.accepted = True  # whether the last call went through

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        # Helpers

        def fresh(self) -> Case:
            """The case as a new request loads it."""
            return Case.objects.select_related("region").get(pk=self.case_pk)

        def case(self) -> Case:
            """The case after the last call (loaded once per step)."""
            if self._case is None:
                self._case = self.fresh()
            return self._case

        def user(self, name: str | None):
            if name is None:
                return None
            person = people[name]
            permissions.forget_perms(person)  # a new request: nothing cached
            return person

        def attempt(self, what: str, call) -> None:
            """Run one service call. Refused: nothing changed. Anything else: a failure."""
            before = snapshot(self.case_pk)
            self._case = None
            try:
                call()
            except (services.CaseError, PermissionDenied) as refusal:
                after = snapshot(self.case_pk)
                changed = sorted(key for key in before if before[key] != after[key])
                assert not changed, f"{what} was refused ({refusal!r}) but changed {changed}"
                note(f"{what}: refused, {refusal!r}")
                self.accepted = False
            else:
                note(f"{what}: done")
                self.accepted = True
                self.observe()

        def observe(self) -> None:
            """Follow the state: each change is one edge of the graph, on the timeline and
            in the audit trail."""
            case = self.case()
            assert case.state in CaseState.values
            if case.state == self.last_state:
                return
            edge = (self.last_state, case.state)
            assert edge in EDGES, f"{edge} is not an edge of the case lifecycle"
            moves = CaseEvent.objects.filter(case=case).exclude(to_state="")
            last = moves.order_by("-at", "-id").first()
            assert (last.from_state, last.to_state) == edge
            on_timeline = moves.filter(from_state=edge[0], to_state=edge[1]).count()
            in_trail = AuditEvent.objects.filter(
                object_type="referrals.case",
                object_id=str(case.pk),
                summary=f"{edge[0]} -> {edge[1]}",
            ).count()
            assert on_timeline == in_trail >= 1
            reached.add(case.state)
            self.last_state = case.state

        # Start somewhere along the happy path, through the services.

        @initialize(seed=st.integers(min_value=0, max_value=2**32 - 1))
        def walk(self, seed):
            """Take the case some way along the happy path, as the right people would. (The
            plan comes from one seed: hypothesis varies one wide integer far more than several
            small choices, and the plan is noted when an example fails.)"""
            plan = random.Random(seed)
            shared_first = plan.random() < 0.5
            # How far (the path has 8 steps): often into preparing, often to the end.
            steps = plan.choice([0, 1, *range(2, 7), *range(2, 7), 7, 7, 7, 8, 8, 8, 8])
            eligible = plan.random() < 0.8
            decision = plan.choice(["approve", "reject", "request_changes"])
            then = plan.choice(
                [
                    *("nothing", "submit", "submit"),
                    *("withdraw_case", "withdraw_consent", "consent_for_destination"),
                ]
            )
            note(f"walk: {shared_first=} {steps=} {eligible=} {decision=} {then=}")
            decide = {
                "approve": lambda: self.approve_case("iom", ""),
                "reject": lambda: self.reject_case("iom", "Inte frivilligt."),
                "request_changes": lambda: self.request_changes("iom", "Bifoga passkopian."),
            }[decision]
            path = [
                lambda: self.start_screening("stockholm"),
                lambda: self.assess_eligibility(
                    "stockholm", ELIGIBLE if eligible else NOT_ELIGIBLE
                ),
                lambda: self.record_consent("stockholm", ConsentPurpose.IOM_FINLAND, True),
                lambda: self.save_application("stockholm", COMPLETE_APPLICATION, "NG"),
                self.upload_signed_application,
                lambda: self.complete_risk_table("stockholm", 2),
                lambda: self.submit_case("stockholm"),
                decide,
            ]
            if shared_first:
                self.share_for_consultation("stockholm")
            for step in path[:steps]:
                step()
                if not self.accepted:
                    break
            if then == "submit":  # whether or not everything is there yet
                self.submit_case("stockholm")
            elif then == "withdraw_case":
                self.withdraw_case("stockholm", 0, "Vill stanna.")
            elif then == "withdraw_consent":
                self.record_consent("stockholm", ConsentPurpose.IOM_FINLAND, False)
            elif then == "consent_for_destination":
                self.record_consent("stockholm", ConsentPurpose.IOM_DESTINATION, True)

        # Rules: each a service call by somebody.

        @rule(who=actor("stockholm"))
        def start_screening(self, who):
            self.attempt(
                "start_screening",
                lambda: services.start_screening(self.fresh(), by=self.user(who)),
            )

        @rule(
            who=actor("stockholm"),
            answers=st.one_of(
                st.sampled_from([ELIGIBLE, NOT_ELIGIBLE]),
                st.tuples(
                    st.sampled_from(EligibilityAssessment.Basis.values),
                    st.booleans(),
                    st.sampled_from(EligibilityAssessment.Destination.values),
                ),
            ),
        )
        def assess_eligibility(self, who, answers):
            basis, wants, destination = answers
            self.attempt(
                "assess_eligibility",
                lambda: services.assess_eligibility(
                    self.fresh(),
                    by=self.user(who),
                    basis=basis,
                    wants_voluntary_return=wants,
                    destination=destination,
                ),
            )

        @rule(
            who=actor("stockholm"),
            purpose=st.sampled_from(
                [ConsentPurpose.IOM_FINLAND] * 3 + [ConsentPurpose.IOM_DESTINATION]
            ),
            given=st.booleans(),
        )
        def record_consent(self, who, purpose, given):
            self.attempt(
                "record_consent",
                lambda: services.record_consent(
                    self.fresh(),
                    by=self.user(who),
                    purpose=purpose,
                    given=given,
                    decided_on=today(),
                    method="written",
                ),
            )

        @rule(who=actor("stockholm"))
        def share_for_consultation(self, who):
            self.attempt(
                "share_for_consultation",
                lambda: services.share_for_consultation(self.fresh(), by=self.user(who)),
            )

        @rule(
            who=actor("stockholm"),
            kind=st.sampled_from(
                [COMPLETE_APPLICATION, "own_language", "no_declaration", "no_interpreter"]
            ),
            country=st.sampled_from(["NG", "TH", ""]),
        )
        def save_application(self, who, kind, country):
            fields = {
                "destination_kind": "origin",
                "in_returnees_language": kind == "own_language",
                "interpreter": "Ada Tolk (engelska)" if kind == COMPLETE_APPLICATION else "",
                "voluntary_declaration": kind != "no_declaration",
                "declaration_signed_on": None if kind == "no_declaration" else today(),
            }
            self.attempt(
                "save_application",
                lambda: services.save_application(
                    self.fresh(), by=self.user(who), destination_country=country, **fields
                ),
            )

        @rule()
        def upload_signed_application(self):
            # There is no upload service in this app: do what a permission-checked upload
            # view would, for the coordinator, while the application is being prepared.
            case = self.fresh()
            self._case = None
            self.accepted = case.state == S.PREPARING and permissions.can_work(
                case, self.user("stockholm")
            )
            if self.accepted:
                make_document(case, Document.Kind.SIGNED_APPLICATION)

        @rule(who=actor("stockholm"), likelihood=st.sampled_from([2, 4, 0]))
        def complete_risk_table(self, who, likelihood):
            """A risk (likelihood 0 is off the scale: refused), then the table signed."""
            self.attempt(
                "risk.add_row",
                lambda: risk_services.add_row(
                    self.fresh(), by=self.user(who), **{**RISK_ROW, "likelihood": likelihood}
                ),
            )
            if self.accepted:
                self.attempt(
                    "risk.complete_table",
                    lambda: risk_services.complete_table(self.fresh(), by=self.user(who)),
                )

        @rule(who=actor("stockholm"))
        def submit_case(self, who):
            problems = [str(problem) for problem in services.submission_problems(self.fresh())]
            self.attempt(
                "submit_case", lambda: services.submit_case(self.fresh(), by=self.user(who))
            )
            if self.accepted:
                self.submissions.append(problems)

        @rule(who=actor("iom"), message=st.sampled_from(["Bifoga passkopian.", "", "  "]))
        def request_changes(self, who, message):
            self.attempt(
                "request_changes",
                lambda: services.request_changes(self.fresh(), by=self.user(who), message=message),
            )

        @rule(who=actor("iom"), message=st.sampled_from(["", "Gemensamt beslut."]))
        def approve_case(self, who, message):
            self.attempt(
                "approve_case",
                lambda: services.approve_case(self.fresh(), by=self.user(who), message=message),
            )

        @rule(who=actor("iom"), reason=st.sampled_from(["Inte frivilligt.", "", " "]))
        def reject_case(self, who, reason):
            self.attempt(
                "reject_case",
                lambda: services.reject_case(self.fresh(), by=self.user(who), reason=reason),
            )

        @rule(
            who=actor("stockholm"),
            days_ago=st.sampled_from([0, 3, 0, -1]),
            reason=st.sampled_from(["Vill stanna.", "Vill stanna.", " "]),
        )
        def withdraw_case(self, who, days_ago, reason):
            on = today() - dt.timedelta(days=days_ago)
            self.attempt(
                "withdraw_case",
                lambda: services.withdraw_case(
                    self.fresh(), by=self.user(who), on=on, reason=reason
                ),
            )

        @rule(who=actor("stockholm"), worker=st.sampled_from(["social", None, "referrer"]))
        def assign_social_worker(self, who, worker):
            self.attempt(
                "assign_social_worker",
                lambda: services.assign_social_worker(
                    self.fresh(), by=self.user(who), social_worker=self.user(worker)
                ),
            )

        # Invariants, after every step.

        @invariant()
        def moves_only_along_the_graph(self):
            self.observe()

        @invariant()
        def final_states_stay_final(self):
            state = self.case().state
            if self.final_state is not None:
                assert state == self.final_state
            if state in FINAL:
                self.final_state = state

        @invariant()
        def submitted_only_when_complete(self):
            case = self.case()
            if case.state in SUBMITTED_OR_LATER or case.submitted_at is not None:
                assert self.submissions, "submitted without a submission"
                assert all(problems == [] for problems in self.submissions), self.submissions

        @invariant()
        def permissions_match_the_state(self):
            case = self.case()
            rows = grant_rows(case.pk)
            assert rows == desired_rows(case)

            group_rows, user_rows = rows
            held = {
                name: frozenset(
                    {code for group, code in group_rows if group in groups_of[name]}
                    | {code for user, code in user_rows if user == person.pk}
                )
                for name, person in people.items()
            }
            # The rows say what the access function says (one person is enough: the rows
            # are compared with desired_grants above).
            assert permissions.case_perms(self.user("iom"), case) == held["iom"]

            assert held["syd"] == frozenset()
            assert held["referrer"] == {STATUS}
            final = case.state in FINAL
            assert held["stockholm"] == {VIEW, IDENTITY} | (set() if final else {WORK})
            assigned = case.social_worker_id == people["social"].pk
            assert held["social"] == ({VIEW, IDENTITY} if assigned else set())

            consent = bool(current_consents(case).get(ConsentPurpose.IOM_FINLAND))
            iom = held["iom"]
            shown_to_iom = bool(case.consultation_shared_at or case.submitted_at)
            assert (VIEW in iom) == shown_to_iom
            assert (DECIDE in iom) == (case.state == S.SUBMITTED)
            assert (IDENTITY in iom) == (shown_to_iom and consent)
            assert held["approver"] == iom  # both through IOM Finland's group

    return CaseMachine


@pytest.mark.django_db
def test_random_service_calls_keep_the_case_rules(
    stockholm_coordinator, syd_coordinator, iom_caseworker, iom_approver, social_worker, referrer
):
    people = {
        "stockholm": stockholm_coordinator,
        "syd": syd_coordinator,
        "iom": iom_caseworker,
        "approver": iom_approver,
        "social": social_worker,
        "referrer": referrer,
    }
    # A submission check the happy path cannot satisfy would keep every walk from
    # `submitted`: teach the machine to satisfy it (and name it above) first.
    assert registered_submission_checks() <= KNOWN_SUBMISSION_CHECKS
    reached: set[str] = set()
    run_state_machine_as_test(build_machine(people, reached), settings=SETTINGS)

    # The walks were not vacuous (only what nearly every run reaches: hypothesis often repeats
    # an example with variations, so rarer states are not certain in 50 examples).
    assert {S.SCREENING, S.PREPARING, S.SUBMITTED} <= reached, reached


# A refusal is kept in the audit trail, although the service's transaction is rolled back.
# (It was not: `audit.record("access.denied", ...)` ran inside the service's
# `transaction.atomic` and was rolled back with it.) Committing for real, as a request does:
# in a rolled-back test transaction the service cannot write outside its transaction.

DENIALS = {
    "start_screening": lambda case, by: services.start_screening(case, by=by),
    "record_consent": lambda case, by: services.record_consent(
        case,
        by=by,
        purpose=ConsentPurpose.IOM_FINLAND,
        given=True,
        decided_on=dt.date(2026, 11, 21),
        method="written",
    ),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("call", DENIALS)
def test_a_refused_call_leaves_an_access_denied_event_and_nothing_else(call, syd_coordinator):
    case = make_case()
    before = snapshot(case.pk)
    with pytest.raises(PermissionDenied):
        DENIALS[call](case, syd_coordinator)
    assert snapshot(case.pk) == before
    denial = AuditEvent.objects.get(
        action="access.denied", object_type="referrals.case", object_id=str(case.pk)
    )
    assert denial.actor == syd_coordinator
    assert denial.summary == call


# Consent to share with IOM can be withdrawn after the case ended. (It could not:
# record_consent required work_case, which nobody holds in a final state, so IOM Finland kept
# view_identity on a rejected or withdrawn case for good.)


@pytest.mark.django_db
@pytest.mark.parametrize("state", [S.REJECTED, S.WITHDRAWN])
def test_consent_to_share_with_iom_can_be_withdrawn_after_the_case_ended(
    state, stockholm_coordinator, iom_caseworker
):
    case = make_case(S.SUBMITTED)
    Consent.objects.create(
        case=case,
        purpose=ConsentPurpose.IOM_FINLAND,
        given=True,
        decided_on=dt.date(2026, 11, 2),
        method="written",
        recorded_by=stockholm_coordinator,
    )
    if state == S.REJECTED:
        services.reject_case(case, by=iom_caseworker, reason="Inte frivilligt.")
    else:
        services.withdraw_case(case, by=stockholm_coordinator, on=today(), reason="Vill stanna.")
    case.refresh_from_db()
    assert case.state == state
    permissions.forget_perms(iom_caseworker)
    assert permissions.case_perms(iom_caseworker, case) == {VIEW, IDENTITY}

    refused = None
    try:
        services.record_consent(
            case,
            by=stockholm_coordinator,
            purpose=ConsentPurpose.IOM_FINLAND,
            given=False,
            decided_on=today(),
            method="written",
        )
    except PermissionDenied as error:
        refused = error
    assert refused is None, "the withdrawal of consent was refused"
    permissions.forget_perms(iom_caseworker)
    assert permissions.case_perms(iom_caseworker, case) == {VIEW}
