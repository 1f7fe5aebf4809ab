"""Every change to a case, one function each. The only code that calls a transition.

Each service: opens a transaction and locks the case row; checks that the transition may run
now and that the user may run it (django-fsm does not check `permission=` by itself); changes
the case; writes the timeline entry and the audit event in the same transaction; and brings
object permissions in line with the new state.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from ampcase import audit
from ampcase.accounts.models import OrganisationKind, Region
from ampcase.accounts.roles import Role

from . import permissions
from .models import (
    Application,
    Case,
    CaseEvent,
    CaseState,
    Consent,
    ConsentPurpose,
    Decision,
    Document,
    EligibilityAssessment,
    Person,
)

# Sent inside the withdrawal's transaction, with `case` and `by`: other apps end what they
# had under way for the case (the reintegration app cancels a journey not yet made).
case_withdrawn = Signal()


class Denied(PermissionDenied):
    """A refusal to be audited once the service's transaction has been rolled back."""

    def __init__(self, case: Case, actor, what: str):
        super().__init__(what)
        self.case, self.actor, self.what = case, actor, what
        self.audited = False


_service_depth = threading.local()


def service(func):
    """Run a service in one transaction (a savepoint inside another service). A refusal
    (`Denied`) rolls it back; the outermost service then writes the refusal to the audit
    trail, after the rollback, so that the record is kept."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        depth = getattr(_service_depth, "value", 0)
        _service_depth.value = depth + 1
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except Denied as denied:
            if depth == 0 and not denied.audited:
                audit.record(None, "access.denied", denied.case, denied.what, actor=denied.actor)
                denied.audited = True
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


# Submission conditions (DESIGN.md section 5). Each check returns the problems it finds, in
# words for the coordinator. Other apps add theirs with `register_submission_check` (the risk
# table and the children's assessments come from `risk`), so the list lives in one place.
SubmissionCheck = Callable[[Case], list[str]]
_SUBMISSION_CHECKS: list[SubmissionCheck] = []


def register_submission_check(check: SubmissionCheck, label=None) -> SubmissionCheck:
    """Add a condition of submission; `label` names it in the case page's task list."""
    if check not in _SUBMISSION_CHECKS:
        check.task_label = label or check.__name__
        _SUBMISSION_CHECKS.append(check)
    return check


def submission_check(label):
    return lambda check: register_submission_check(check, label)


@submission_check(gettext_lazy("Eligibility screening"))
def _eligibility_passed(case: Case) -> list[str]:
    assessment = EligibilityAssessment.objects.filter(case=case).first()
    if assessment is None or not assessment.is_eligible:
        return [_("The eligibility screening has not been passed.")]
    return []


@submission_check(gettext_lazy("Consent to share with IOM Finland"))
def _consent_to_share_with_iom(case: Case) -> list[str]:
    if not permissions.current_consents(case).get(ConsentPurpose.IOM_FINLAND):
        return [_("There is no consent to share the case with IOM Finland.")]
    return []


@submission_check(gettext_lazy("Application signed, with interpreter, and uploaded"))
def _application_signed(case: Case) -> list[str]:
    application = Application.objects.filter(case=case).first()
    if application is None:
        return [_("The application has not been filled in.")]
    problems = []
    if not case.destination_country:
        problems.append(_("The destination country is missing."))
    if not application.voluntary_declaration:
        problems.append(_("The returnee's written voluntary declaration is missing."))
    if not application.in_returnees_language and not application.interpreter.strip():
        problems.append(
            _(
                "The application was not filled in the returnee's language and no authorised "
                "interpreter is recorded."
            )
        )
    if not case.documents.filter(kind="signed_application").exists():
        problems.append(_("The signed application has not been uploaded."))
    return problems


def submission_tasks(case: Case) -> list[tuple[str, list[str]]]:
    """(task, what is still missing) for every submission condition: the case page's task
    list. A task with nothing missing is done."""
    return [(check.task_label, check(case)) for check in _SUBMISSION_CHECKS]


def submission_problems(case: Case) -> list[str]:
    """Everything that stands between the case and a submission to IOM Finland."""
    problems: list[str] = []
    for check in _SUBMISSION_CHECKS:
        problems.extend(check(case))
    return problems


def lock_case(case: Case, by=None) -> Case:
    """The case row, locked until the transaction ends. The actor's cached permissions are
    dropped: whatever was read before the lock (say, by the view) may be stale by now."""
    locked = Case.objects.select_for_update().select_related("region").get(pk=case.pk)
    if by is not None:
        permissions.forget_perms(by)
    return locked


def log_event(case: Case, by, action: str, note: str = "", from_state: str = "") -> None:
    CaseEvent.objects.create(
        case=case,
        action=action,
        from_state=from_state,
        to_state=case.state if from_state else "",
        actor=by,
        note=note,
    )
    summary = f"{from_state} -> {case.state}" if from_state else ""
    audit.record(None, action, case, summary, actor=by)


def _run(case: Case, by, name: str, action: str, note: str = "", **kwargs) -> Case:
    """Lock, check, transition, log, sync permissions. Must run inside `transaction.atomic`."""
    locked = lock_case(case, by)
    permissions.forget_perms(by)
    method = getattr(locked, name)
    if not can_proceed(method):
        raise CaseError(
            _(
                "The case is now “%(state)s”, so this cannot be done. Reload the page to see "
                "what changed."
            )
            % {"state": locked.get_state_display()}
        )
    if not has_transition_perm(method, by):
        raise Denied(locked, by, name)
    from_state = locked.state
    method(**kwargs)
    try:
        locked.save()
    except ConcurrentTransition as error:
        # The row lock above makes this unreachable between services; it guards against any
        # writer that does not lock.
        raise CaseError(
            _("Someone else changed the case at the same moment. Reload the page and try again.")
        ) from error
    log_event(locked, by, action, note, from_state)
    permissions.sync_case_permissions(locked)
    permissions.forget_perms(by)
    return locked


def _require(allowed: bool, case: Case, by, what: str) -> None:
    if not allowed:
        raise Denied(case, by, what)


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
    case.pseudonym = _("Returnee %(number)s") % {"number": case.reference.rsplit("-", 1)[-1]}
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
    permissions.sync_case_permissions(case)
    return case


@service
def start_screening(case: Case, *, by) -> Case:
    return _run(case, by, "start_screening", "case.screening_started")


@service
def record_consent(
    case: Case,
    *,
    by,
    purpose: str,
    given: bool,
    decided_on: date,
    method: str,
    interpreter: str = "",
) -> Consent:
    """Add an entry to the consent ledger. Withdrawing consent to share with IOM takes IOM's
    access to the identity away at once."""
    case = lock_case(case, by)
    _require(permissions.can_record_consent(case, by), case, by, "record_consent")
    if given and not permissions.can_work(case, by):
        raise CaseError(_("This case is closed: consent can only be withdrawn now."))
    entry = Consent.objects.create(
        case=case,
        purpose=purpose,
        given=given,
        decided_on=decided_on,
        method=method,
        interpreter=interpreter,
        recorded_by=by,
    )
    log_event(case, by, "consent.given" if given else "consent.withdrawn", purpose)
    permissions.sync_case_permissions(case)
    return entry


@service
def share_for_consultation(case: Case, *, by) -> Case:
    """Let IOM Finland see the case under its pseudonym, before consent, to discuss it."""
    case = lock_case(case, by)
    _require(permissions.can_work(case, by), case, by, "share_for_consultation")
    if case.consultation_shared_at is None:
        case.consultation_shared_at = timezone.now()
        case.save(update_fields=["consultation_shared_at", "updated_at"])
        log_event(case, by, "case.consultation_shared")
        permissions.sync_case_permissions(case)
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
    if case.state != CaseState.SCREENING:
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
    _run(case, by, name, action, "; ".join(str(r) for r in assessment.reasons_not_eligible()))
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
    _require(permissions.can_work(case, by), case, by, "save_person")
    if person is None:
        person = Person.objects.create(case=case, relation=Person.Relation.CHILD, **fields)
        log_event(case, by, "person.created", person.get_relation_display())
        return person
    if person.case_id != case.pk:
        raise PermissionDenied
    for name, value in fields.items():
        setattr(person, name, value)
    person.save()
    log_event(case, by, "person.changed", person.get_relation_display())
    return person


@service
def save_application(case: Case, *, by, destination_country: str, **fields) -> Application:
    case = lock_case(case, by)
    if case.state != CaseState.PREPARING:
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
    locked = lock_case(case, by)
    if locked.state == CaseState.PREPARING and permissions.can_work(locked, by):
        problems = submission_problems(locked)
        if problems:
            raise CaseError(_("The case cannot be submitted yet."), problems)
    return _run(locked, by, "submit", "case.submitted", submitter=by)


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
    case_withdrawn.send(sender=Case, case=locked, by=by)
    return locked


@service
def mark_departed(case: Case, *, by) -> Case:
    """The returnee has left Sweden: the case is in transit (called by the travel plan)."""
    return _run(case, by, "depart", "case.departed")


@service
def mark_arrived(case: Case, *, by) -> Case:
    """The returnee has arrived: reintegration starts (called by the travel plan)."""
    return _run(case, by, "arrive", "case.arrived")


@service
def assign_social_worker(case: Case, *, by, social_worker) -> Case:
    """Give one social worker access to this case alone (or take it away with None)."""
    case = lock_case(case, by)
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
    permissions.sync_case_permissions(case)
    return case


@service
def transfer_case(case: Case, *, by, region: Region) -> Case:
    """Move the case to another region: its coordinators gain access, the old ones lose it."""
    case = lock_case(case, by)
    _require(permissions.can_work(case, by), case, by, "transfer_case")
    if region.pk == case.region_id:
        raise CaseError(_("The case is already in that region."))
    old = case.region.name
    case.region = region
    case.save(update_fields=["region", "updated_at"])
    log_event(case, by, "case.transferred", f"{old} -> {region.name}")
    permissions.sync_case_permissions(case)
    return case


def add_document(
    case: Case, *, by, kind: str, document, allowed: Callable = permissions.can_work
) -> Document:
    """Store a validated upload (see `ampcase.lib.documents`) and record it on the case. The
    file is written first; if the database part fails, the file is removed again, so nothing
    is left half-saved."""
    from ampcase.lib import documents as storage

    key = storage.store(document)
    try:
        with transaction.atomic():
            locked = lock_case(case, by)
            _require(allowed(locked, by), locked, by, "add_document")
            row = Document.objects.create(
                case=locked,
                kind=kind,
                storage_key=key,
                content_type=document.content_type,
                size=document.size,
                sha256=document.sha256,
                uploaded_by=by,
            )
            log_event(locked, by, "document.uploaded", row.get_kind_display())
    except BaseException:
        storage.delete_stored(key)
        raise
    return row
