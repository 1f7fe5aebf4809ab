"""Every change to a case, one function each. The only code that calls a transition.

Each service: opens a transaction and locks the case row; checks that the change fits the
state the case is in now, then that the user may make it (django-fsm does not check
`permission=` by itself); changes the case; writes the timeline entry and the audit event in
the same transaction; and brings object permissions in line with the new state.

The other apps' services are built from the same parts: `service` (the transaction and the
audit of refusals), `lock_case`, `run_transition` (the one runner of every state machine's
transitions) and `log_event`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from ampcase import audit
from ampcase.accounts.models import OrganisationKind, Region
from ampcase.accounts.roles import Role
from ampcase.lib.documents import ValidatedDocument, delete_stored, store

from . import grants, permissions, registry
from .models import (
    FINAL_STATES,
    Application,
    Case,
    CaseEvent,
    CaseOutcome,
    Consent,
    ConsentPurpose,
    Decision,
    Document,
    EligibilityAssessment,
    Person,
    current_consents,
)


class Denied(PermissionDenied):
    """A refusal to be audited once the service's transaction has been rolled back."""

    def __init__(self, case: Case, actor, what: str):
        super().__init__(what)
        self.case, self.actor, self.what = case, actor, what
        self.audited = False


_service_depth = threading.local()
# The timeline entries written by the service under way (`log_event`), for the registry's
# change listeners.
_changes = threading.local()


def _pending_changes() -> list[registry.Change]:
    if not hasattr(_changes, "value"):
        _changes.value = []
    return _changes.value


def service(func):
    """Run a service in one transaction (a savepoint inside another service). A refusal
    (`Denied`) rolls it back; the outermost service then writes the refusal to the audit
    trail, after the rollback, so that the record is kept.

    At the end of the outermost service, still inside its transaction and once object
    permissions are in line, the registry's change listeners are told every timeline entry
    it wrote (notifications): they commit with the change, or roll back with it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        depth = getattr(_service_depth, "value", 0)
        _service_depth.value = depth + 1
        pending = _pending_changes()
        mark = len(pending)
        try:
            with transaction.atomic():
                result = func(*args, **kwargs)
                if depth == 0:
                    changes = pending[:]
                    del pending[:]
                    registry.changes_made(changes)
                return result
        except Denied as denied:
            del pending[mark:]
            if depth == 0 and not denied.audited:
                audit.record(None, "access.denied", denied.case, denied.what, actor=denied.actor)
                denied.audited = True
            raise
        except BaseException:
            # What a failed service wrote was rolled back: so are the changes it made.
            del pending[mark:]
            raise
        finally:
            _service_depth.value = depth

    return wrapper


class CaseError(Exception):
    """A change that cannot be made now; the message says why, in the user's language."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


def now_in_state(obj: models.Model) -> str:
    """What to tell a user whose step came after `obj` moved on: "The case is now …"."""
    return str(obj.now_message) % {"state": obj.get_state_display()}


def submission_problems(case: Case) -> list[str]:
    """Everything that stands between the case and a submission to IOM Finland."""
    return [
        problem
        for _label, missing, *_where in registry.submission_tasks(case)
        for problem in missing
    ]


def lock_case(case: Case, by=None) -> Case:
    """The case row, locked until the transaction ends. The actor's cached permissions are
    dropped: whatever was read before the lock (say, by the view) may be stale by now."""
    # The row alone, without a join: PostgreSQL rechecks a locked row that another
    # transaction changed against the rows it was joined with, so a case transferred to
    # another region meanwhile would vanish from a join on its old region.
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if by is not None:
        permissions.forget_perms(by)
    return locked


def log_event(
    case: Case,
    by,
    action: str,
    note: str = "",
    *,
    from_state: str = "",
    audit_note=False,
    params: dict | None = None,
) -> None:
    """The timeline entry and the audit event of a change. The note (a reason, a message) may
    hold personal data, so the audit trail gets only the change of state, or the note when
    the caller says it holds nothing personal (`audit_note=True`, e.g. a version number)."""
    CaseEvent.objects.create(
        case=case,
        action=action,
        from_state=from_state,
        to_state=case.state if from_state else "",
        actor=by,
        note=note,
        params=params or {},
    )
    summary = f"{from_state} -> {case.state}" if from_state else ""
    audit.record(None, action, case, note if audit_note else summary, actor=by)
    change = registry.Change(case, by, action, from_state, params or {})
    if getattr(_service_depth, "value", 0):
        # Told at the end of the service, once the case's permissions are in line.
        _pending_changes().append(change)
    else:
        registry.changes_made([change])


def run_transition(
    obj: models.Model,
    name: str,
    *,
    by,
    case: Case,
    action: str | None,
    note: str = "",
    audit_note: bool = False,
    before: Callable[[Any], None] | None = None,
    error: type[CaseError] = CaseError,
    **kwargs,
) -> Any:
    """Run `obj`'s transition `name` for `by`: the one runner of every state machine. `obj`
    is `case` or a row of it, locked by the caller in this transaction.

    The state first: a transition that no longer fits (a lost race, a double click) raises
    `error` with the state `obj` is in now, not a refusal. Then the transition's `permission=`
    rule (`Denied`). Then `before(obj)`: the step's own conditions (raising `error` with what
    is missing) and whatever must change first. Then the change, saved, with its timeline
    entry and audit event under `action` (None for a change that is part of another step's
    entry)."""
    method = getattr(obj, name)
    if not can_proceed(method):
        raise error(now_in_state(obj))
    if not has_transition_perm(method, by):
        raise Denied(case, by, name)
    if before is not None:
        before(obj)
    from_state = obj.state
    method(**kwargs)
    try:
        obj.save()
    except ConcurrentTransition as stale:
        # The row locks make this unreachable between services; it guards against any writer
        # that does not lock.
        raise error(
            _("Someone else changed the case at the same moment. Reload the page and try again.")
        ) from stale
    if action is not None:
        from_case_state = from_state if obj is case else ""
        log_event(case, by, action, note, from_state=from_case_state, audit_note=audit_note)
    return obj


def advance(locked: Case, *, by, name: str, action: str, note: str = "", **kwargs) -> Case:
    """Run the case's own transition `name` on a case the caller has locked, then bring its
    object permissions in line with the new state. For other apps' services that move the
    case as part of their own step (a departure puts the case in transit)."""
    run_transition(locked, name, by=by, case=locked, action=action, note=note, **kwargs)
    grants.sync_case_permissions(locked)
    permissions.forget_perms(by)
    return locked


def _run(case: Case, by, name: str, action: str, note: str = "", **kwargs) -> Case:
    """Lock the case and run its transition `name` (see `advance`)."""
    return advance(lock_case(case, by), by=by, name=name, action=action, note=note, **kwargs)


def _require(allowed: bool, case: Case, by, what: str) -> None:
    if not allowed:
        raise Denied(case, by, what)


def _require_open(case: Case) -> None:
    """Work on a case that has ended (withdrawn meanwhile, say) is told what the case is now,
    before any permission is asked: whoever worked on it a moment ago is not refused."""
    if case.state in FINAL_STATES:
        raise CaseError(now_in_state(case))


@service
def log_referral(
    *,
    by,
    region: Region,
    given_name: str,
    family_name: str,
    date_of_birth: date | None,
    nationality: str = "",
    languages: str = "",
    referral_note: str = "",
    consent_on: date,
    consent_method: str,
    interpreter: str = "",
) -> Case:
    """A referrer (or the coordinator) logs a first contact to a region, with the person's
    consent to share their details between Swedish authorities."""
    if not permissions.can_log_referral(by) or by.organisation is None:
        raise PermissionDenied
    case = Case.objects.create(
        reference=Case.allocate_reference(),
        pseudonym="",
        region=region,
        referred_by=by,
        referring_organisation=by.organisation,
        referral_note=referral_note,
    )
    case.pseudonym = str(Case.PSEUDONYM) % {"number": case.reference.rsplit("-", 1)[-1]}
    case.save(update_fields=["pseudonym"])
    Person.objects.create(
        case=case,
        relation=Person.Relation.RETURNEE,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        nationality=nationality,
        languages=languages,
    )
    Consent.objects.create(
        case=case,
        purpose=ConsentPurpose.SWEDISH_AUTHORITIES,
        given=True,
        decided_on=consent_on,
        method=consent_method,
        interpreter=interpreter,
        recorded_by=by,
    )
    log_event(case, by, "case.referred")
    grants.sync_case_permissions(case)
    return case


@service
def start_screening(case: Case, *, by) -> Case:
    return _run(case, by, "start_screening", "case.screening_started")


@service
def record_consents(
    case: Case,
    *,
    by,
    purposes: Sequence[str],
    given: bool,
    decided_on: date,
    method: str,
    interpreter: str = "",
) -> list[Consent]:
    """Add one entry to the consent ledger for each of `purposes`, all or none: one decision
    of the person, given or withdrawn. Withdrawing consent to share with IOM takes IOM's
    access to the identity away at once."""
    purposes = list(dict.fromkeys(purposes))
    if not purposes:
        raise ValueError("A consent entry needs at least one purpose.")
    case = lock_case(case, by)
    _require(permissions.can_record_consent(case, by), case, by, "record_consent")
    if given and not permissions.can_work(case, by):
        raise CaseError(_("This case is closed: consent can only be withdrawn now."))
    entries = []
    for purpose in purposes:
        entries.append(
            Consent.objects.create(
                case=case,
                purpose=purpose,
                given=given,
                decided_on=decided_on,
                method=method,
                interpreter=interpreter,
                recorded_by=by,
            )
        )
        action = "consent.given" if given else "consent.withdrawn"
        log_event(case, by, action, params={"purpose": purpose})
    grants.sync_case_permissions(case)
    return entries


def record_consent(case: Case, *, by, purpose: str, **decision) -> Consent:
    """One entry of the consent ledger: `record_consents` for a single purpose."""
    return record_consents(case, by=by, purposes=[purpose], **decision)[0]


@service
def share_for_consultation(case: Case, *, by) -> Case:
    """Let IOM Finland see the case under its pseudonym, before consent, to discuss it."""
    case = lock_case(case, by)
    _require_open(case)
    _require(permissions.can_work(case, by), case, by, "share_for_consultation")
    if case.consultation_shared_at is None:
        case.consultation_shared_at = timezone.now()
        case.save(update_fields=["consultation_shared_at", "updated_at"])
        # What IOM Finland was shown: the identity, where consent to share with it held.
        identity = bool(current_consents(case).get(ConsentPurpose.IOM_FINLAND))
        log_event(case, by, "case.consultation_shared", params={"identity": identity})
        grants.sync_case_permissions(case)
    return case


@service
def assess_eligibility(
    case: Case,
    *,
    by,
    basis: str,
    wants_voluntary_return: bool,
    destination: str,
    exploitation: list[str] | None = None,
    notes: str = "",
) -> EligibilityAssessment:
    """Record the screening and move the case to preparing, or to not eligible."""
    case = lock_case(case, by)
    if not can_proceed(case.mark_eligible):
        raise CaseError(_("Eligibility is assessed while the case is in screening."))
    _require(permissions.can_work(case, by), case, by, "assess_eligibility")
    assessment, _created = EligibilityAssessment.objects.update_or_create(
        case=case,
        defaults={
            "basis": basis,
            "exploitation": sorted(exploitation or []),
            "wants_voluntary_return": wants_voluntary_return,
            "destination": destination,
            "notes": notes,
            "assessed_by": by,
            "assessed_at": timezone.now(),
        },
    )
    name = "mark_eligible" if assessment.is_eligible else "mark_ineligible"
    action = "case.eligible" if assessment.is_eligible else "case.ineligible"
    reasons = "; ".join(str(reason) for reason in assessment.reasons_not_eligible())
    advance(case, by=by, name=name, action=action, note=reasons)
    return assessment


def set_risk_level(case: Case, level: int | None) -> None:
    """Record the overall risk level of the case's completed risk table (called by the risk
    app inside its own transaction, after its own permission checks)."""
    Case.objects.filter(pk=case.pk).update(risk_level=level)
    case.risk_level = level


@service
def save_person(case: Case, *, by, person: Person | None = None, **fields) -> Person:
    """Change the returnee's or a child's details, or add an accompanying child (no
    `person`). Identity data: only the case's coordinators, and only while the case is open."""
    case = lock_case(case, by)
    _require_open(case)
    _require(permissions.can_work(case, by), case, by, "save_person")
    if person is None:
        person = Person.objects.create(case=case, relation=Person.Relation.CHILD, **fields)
        log_event(case, by, "person.created", params={"relation": person.relation})
        return person
    if person.case_id != case.pk:
        raise PermissionDenied
    for name, value in fields.items():
        setattr(person, name, value)
    person.save()
    log_event(case, by, "person.changed", params={"relation": person.relation})
    return person


@service
def save_application(case: Case, *, by, destination_country: str, **fields) -> Application:
    case = lock_case(case, by)
    # The application is changed while it can still be submitted.
    if not can_proceed(case.submit):
        raise CaseError(_("The application can be changed while the case is being prepared."))
    _require(permissions.can_work(case, by), case, by, "save_application")
    case.destination_country = destination_country
    case.save(update_fields=["destination_country", "updated_at"])
    application, created = Application.objects.update_or_create(
        case=case, defaults={**fields, "updated_by": by}
    )
    log_event(case, by, "application.created" if created else "application.changed")
    return application


@service
def submit_case(case: Case, *, by) -> Case:
    """Submit to IOM Finland. Refused, with every missing condition listed, unless all the
    conditions of DESIGN.md section 5 hold."""

    def complete(locked: Case) -> None:
        problems = submission_problems(locked)
        if problems:
            raise CaseError(_("The case cannot be submitted yet."), problems)

    return _run(case, by, "submit", "case.submitted", before=complete, submitter=by)


def _decide(case: Case, by, name: str, outcome: str, message: str) -> Case:
    locked = _run(case, by, name, f"case.{outcome}", message)
    Decision.objects.create(
        case=locked,
        outcome=outcome,
        message=message,
        coordinator=locked.submitted_by,
        coordinator_on=timezone.localtime(locked.submitted_at).date(),
        iom_user=by,
    )
    return locked


@service
def request_changes(case: Case, *, by, message: str) -> Case:
    if not message.strip():
        raise CaseError(_("Say what needs to change."))
    return _decide(case, by, "request_changes", Decision.Outcome.CHANGES_REQUESTED, message)


@service
def approve_case(case: Case, *, by, message: str = "") -> Case:
    """The joint decision: the coordinator who submitted and IOM Finland's caseworker."""
    return _decide(case, by, "approve", Decision.Outcome.APPROVED, message)


@service
def reject_case(case: Case, *, by, reason: str) -> Case:
    if not reason.strip():
        raise CaseError(_("Give the reason for the rejection."))
    return _decide(case, by, "reject", Decision.Outcome.REJECTED, reason)


@service
def withdraw_case(case: Case, *, by, on: date, reason: str) -> Case:
    """The returnee withdraws; the case leaves every work queue."""
    if not reason.strip():
        raise CaseError(_("Give the reason for the withdrawal."))
    if on > timezone.localdate():
        raise CaseError(_("The date of the withdrawal cannot be in the future."))
    locked = _run(case, by, "withdraw", "case.withdrawn", reason, on=on, reason=reason)
    registry.case_withdrawn.send(sender=Case, case=locked, by=by)
    return locked


@service
def close_case(case: Case, *, by, outcome: str, note: str = "") -> Case:
    """IOM Finland closes the case with its outcome. Refused, with everything in the way
    listed, while another app's conditions of closing do not hold (follow-ups, payments)."""
    if outcome not in CaseOutcome.values:
        raise CaseError(_("Choose the outcome."))

    def settled(locked: Case) -> None:
        problems = registry.closing_problems(locked, outcome)
        if problems:
            raise CaseError(_("The case cannot be closed yet."), problems)

    return _run(
        case, by, "close", "case.closed", note, before=settled, outcome=outcome, outcome_note=note
    )


@service
def reopen_case(case: Case, *, by, reason: str) -> Case:
    """IOM Finland reopens a closed case, with the reason: back to the state it was closed
    from, its history kept."""
    if not reason.strip():
        raise CaseError(_("Give the reason for reopening the case."))
    return _run(case, by, "reopen", "case.reopened", reason)


@service
def reconsider_eligibility(case: Case, *, by, reason: str) -> Case:
    """The region's coordinator reopens the screening of a person found not eligible, with
    the reason: the case is in screening again, its earlier screening kept until a new one
    is saved."""
    if not reason.strip():
        raise CaseError(_("Give the reason for reopening the screening."))
    return _run(case, by, "reconsider", "case.screening_reopened", reason)


@service
def assign_social_worker(case: Case, *, by, social_worker) -> Case:
    """Give one social worker access to this case alone (or take it away with None)."""
    case = lock_case(case, by)
    _require_open(case)
    _require(permissions.can_work(case, by), case, by, "assign_social_worker")
    if social_worker is not None and not (
        social_worker.is_active
        and social_worker.has_role(Role.SOCIAL_WORKER)
        and social_worker.organisation.kind == OrganisationKind.SOCIAL_SERVICES
    ):
        raise CaseError(_("Only an active social worker in social services can be assigned."))
    case.social_worker = social_worker
    case.save(update_fields=["social_worker", "updated_at"])
    log_event(
        case, by, "case.social_worker_assigned" if social_worker else "case.social_worker_removed"
    )
    grants.sync_case_permissions(case)
    return case


@service
def transfer_case(case: Case, *, by, region: Region, reason: str) -> Case:
    """Move the case to another region, with the reason: its coordinators gain access, the
    old ones lose it. The timeline keeps where it came from, when, by whom and why."""
    if not reason.strip():
        raise CaseError(_("Give the reason for the transfer."))
    case = lock_case(case, by)
    _require_open(case)
    _require(permissions.can_work(case, by), case, by, "transfer_case")
    if region.pk == case.region_id:
        raise CaseError(_("The case is already in that region."))
    old = Region.objects.get(pk=case.region_id)
    case.region = region
    case.save(update_fields=["region", "updated_at"])
    log_event(
        case,
        by,
        "case.transferred",
        reason,
        params={"from": old.code, "to": region.code},
    )
    grants.sync_case_permissions(case)
    return case


@service
def add_document(
    case: Case,
    *,
    by,
    kind: str,
    document: ValidatedDocument,
    allowed: Callable[[Case, Any], bool] = permissions.can_work,
) -> Document:
    """Store a validated upload (see `ampcase.lib.documents`) and record it on the case.
    `allowed` is the rule of the app that asks (the risk app's editors upload best-interests
    assessments). The file is written once the user is known to be allowed; if the database
    part fails, the file is removed again, so nothing is left half-saved. (Inside another
    service, store the file last: a rollback after this returns cannot remove it.)"""
    locked = lock_case(case, by)
    _require_open(locked)
    _require(allowed(locked, by), locked, by, "add_document")
    key = store(document)
    try:
        row = Document.objects.create(
            case=locked,
            kind=kind,
            storage_key=key,
            content_type=document.content_type,
            size=document.size,
            sha256=document.sha256,
            uploaded_by=by,
        )
        log_event(locked, by, "document.uploaded", params={"kind": row.kind})
    except BaseException:
        delete_stored(key)
        raise
    return row
