"""Who may read and edit a case's risk table and children's assessments.

Edit: the region's coordinators and the assigned social worker, while the case is being
prepared (before submission). Read: those, and IOM Finland once the case was submitted.
Nobody else, whatever their role.
"""

from ampcase.accounts.roles import Role
from referrals import permissions as case_permissions
from referrals.models import Case, CaseState

EDITABLE_STATES = frozenset({CaseState.REFERRED, CaseState.SCREENING, CaseState.PREPARING})


def _assigned_social_worker(case: Case, user) -> bool:
    return (
        user.has_role(Role.SOCIAL_WORKER)
        and case.social_worker_id == user.pk
        and case_permissions.can_see_identity(case, user)
    )


def can_edit(case: Case, user) -> bool:
    if case.state not in EDITABLE_STATES:
        return False
    return case_permissions.can_work(case, user) or _assigned_social_worker(case, user)


def can_read(case: Case, user) -> bool:
    if case_permissions.can_work(case, user) or _assigned_social_worker(case, user):
        return True
    if user.has_role(Role.REGION_COORDINATOR) and case_permissions.can_see_identity(case, user):
        return True  # the region's coordinators keep reading closed cases
    iom = user.has_role(Role.IOM_CASEWORKER) or user.has_role(Role.IOM_APPROVER)
    return bool(
        iom and case.submitted_at is not None and case_permissions.can_see_identity(case, user)
    )
