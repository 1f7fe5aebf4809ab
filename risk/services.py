"""Changes to risk tables and children's assessments. Same order as every service: lock,
check the state, then the permission, change, log and audit in the same transaction."""

from __future__ import annotations

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals import services as case_services
from referrals.models import Case, Document, Person

from . import permissions, scale
from .models import ChildAssessment, RiskRow, RiskTable, TableState


class RiskError(case_services.CaseError):
    pass


ROW_FIELDS = ("where", "threat", "description", "likelihood", "impact", "mitigation", "responsible")


def _locked_case(case: Case, by) -> Case:
    locked = case_services.lock_case(case, by)
    # A case submitted meanwhile is a stale page, not a refusal.
    if not permissions.is_editable(locked):
        raise RiskError(case_services.now_in_state(locked))
    if not permissions.can_edit(locked, by):
        raise case_services.Denied(locked, by, "risk")
    return locked


def children_to_assess(case: Case) -> list[Person]:
    """Every accompanying child, and the returnee when a minor (a separated child)."""
    return [p for p in case.people.all() if p.relation == Person.Relation.CHILD or p.is_minor]


def _draft(case: Case, by) -> RiskTable:
    """The draft to edit; a new version (a copy of the completed one) if there is none."""
    existing = case.risk_tables.filter(state=TableState.DRAFT).first()
    if existing is not None:
        return existing
    completed = case.risk_tables.filter(state=TableState.COMPLETED).first()
    version = (case.risk_tables.aggregate(v=Max("version"))["v"] or 0) + 1
    draft = RiskTable.objects.create(case=case, version=version, created_by=by)
    if completed is not None:
        RiskRow.objects.bulk_create(
            RiskRow(table=draft, **{f: getattr(row, f) for f in ROW_FIELDS})
            for row in completed.rows.all()
        )
    case_services.log_event(case, by, "risk_table.created", f"v{version}", audit_note=True)
    return draft


def _check_scale(fields: dict) -> None:
    try:
        scale.level(int(fields["likelihood"]), int(fields["impact"]))
    except (ValueError, TypeError, KeyError) as error:
        raise RiskError(_("Likelihood and impact must each be between 1 and 4.")) from error


@case_services.service
def add_row(case: Case, *, by, **fields) -> RiskRow:
    case = _locked_case(case, by)
    _check_scale(fields)
    table = _draft(case, by)
    row = RiskRow.objects.create(table=table, **fields)
    case_services.log_event(case, by, "risk_row.added", f"v{table.version}", audit_note=True)
    return row


def _locked_draft_row(row: RiskRow, by) -> tuple[Case, RiskRow]:
    case = _locked_case(row.table.case, by)
    row = RiskRow.objects.select_related("table").get(pk=row.pk)
    if row.table.state != TableState.DRAFT:
        raise RiskError(_("A completed risk table cannot be changed. Start a new version."))
    return case, row


@case_services.service
def change_row(row: RiskRow, *, by, **fields) -> RiskRow:
    case, row = _locked_draft_row(row, by)
    _check_scale(fields)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    case_services.log_event(case, by, "risk_row.changed", f"v{row.table.version}", audit_note=True)
    return row


@case_services.service
def delete_row(row: RiskRow, *, by) -> None:
    case, row = _locked_draft_row(row, by)
    version = row.table.version
    row.delete()
    case_services.log_event(case, by, "risk_row.deleted", f"v{version}", audit_note=True)


@case_services.service
def start_new_version(case: Case, *, by) -> RiskTable:
    """Unlock a completed table for changes: a new draft version with the same rows."""
    case = _locked_case(case, by)
    return _draft(case, by)


@case_services.service
def complete_table(case: Case, *, by) -> RiskTable:
    """Lock and sign the draft; it supersedes the version completed before it."""
    case = _locked_case(case, by)
    tables = RiskTable.objects.select_for_update().filter(case=case)
    draft = tables.filter(state=TableState.DRAFT).first()
    if draft is None:
        raise RiskError(_("There is no draft risk table to complete."))
    rows = list(draft.rows.all())
    level = scale.overall(row.level for row in rows)

    def signed_rows_supersede_the_last_version(draft: RiskTable) -> None:
        if not rows:
            raise RiskError(_("Add at least one risk before completing the table."))
        # Only one version is completed at a time: the one before steps aside first.
        previous = tables.filter(state=TableState.COMPLETED).first()
        if previous is not None:
            case_services.run_transition(
                previous, "supersede", by=by, case=case, action=None, error=RiskError
            )

    case_services.run_transition(
        draft,
        "complete",
        by=by,
        case=case,
        action="risk_table.completed",
        note=f"v{draft.version}, level {int(level) if level else ''}",
        audit_note=True,
        before=signed_rows_supersede_the_last_version,
        error=RiskError,
        signer=by,
    )
    case_services.set_risk_level(case, int(level))
    return draft


@case_services.service
def save_child_assessment(child: Person, *, by, best_interests=None, **fields) -> ChildAssessment:
    """The child risk and protection assessment, with the written best-interests assessment
    (a validated upload, see `ampcase.lib.documents`) when one is given."""
    case = _locked_case(child.case, by)
    if child.case_id != case.pk or child not in children_to_assess(case):
        raise RiskError(_("This person is not a child of this case."))
    separated = child.relation == Person.Relation.RETURNEE
    if separated and not fields.get("home_authorities_agree"):
        raise RiskError(
            _(
                "A separated child may return only if the home country's authorities judge it "
                "to be in the child's best interests."
            )
        )
    if separated and not fields.get("home_authorities_take_over_on"):
        raise RiskError(_("Give the date the home country's authorities take over."))
    existing = ChildAssessment.objects.filter(child=child).first()
    if best_interests is None and (existing is None or existing.best_interests_id is None):
        raise RiskError(_("Upload the written best-interests assessment."))
    # The file is stored last, once nothing else can refuse the change.
    document = None
    if best_interests is not None:
        document = case_services.add_document(
            case,
            by=by,
            kind=Document.Kind.BEST_INTERESTS,
            document=best_interests,
            allowed=permissions.can_edit,
        )
    assessment, _created = ChildAssessment.objects.update_or_create(
        child=child,
        defaults={
            **fields,
            "assessed_by": by,
            "assessed_at": timezone.now(),
            **({"best_interests": document} if document is not None else {}),
        },
    )
    case_services.log_event(case, by, "child_assessment.saved")
    return assessment


def submission_problems(case: Case) -> list[str]:
    """What the risk part still lacks before submission (registered with referrals)."""
    problems = []
    completed = case.risk_tables.filter(state=TableState.COMPLETED).exists()
    if not completed or case.risk_tables.filter(state=TableState.DRAFT).exists():
        problems.append(_("The risk table has not been completed."))
    assessed = {a.child_id: a for a in ChildAssessment.objects.filter(child__case=case)}
    for child in children_to_assess(case):
        assessment = assessed.get(child.pk)
        if assessment is None or assessment.best_interests_id is None:
            problems.append(
                _("The best-interests and protection assessment of %(name)s is missing.")
                % {"name": child.given_name}
            )
    return problems
