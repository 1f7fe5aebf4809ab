"""Who may read and edit a case's risk table and children's assessments.

Edit: the region's coordinators and the assigned social worker, while the case is on its way
to submission, and again after arrival (`EDITABLE_STATES`, read off the case's state
machine). Read: those, IOM Finland once the case was submitted, and the destination's IOM
office after arrival (the completed table, read-only). Nobody else, whatever their role.
"""

from ampcase.accounts.roles import Role
from ampcase.lib import fsm
from referrals import permissions as case_permissions
from referrals.models import FINAL_STATES, Case

# Before submission (the states from which the case can still be submitted without having
# been: a case sent back for changes is in them again), and after arrival, when a follow-up
# that reports a threat asks for a new version. A case found not eligible has ended, though
# its screening can be reopened: nothing changes on it until then.
EDITABLE_STATES = (fsm.upstream(Case.submit) - FINAL_STATES) | fsm.targets(Case.arrive)
# After arrival (and once the case is closed): the destination's office reads the table.
ARRIVED_STATES = fsm.targets(Case.arrive) | fsm.targets(Case.close)


def is_editable(case: Case) -> bool:
    """The case's risk part can change now (for those who may edit it)."""
    return case.state in EDITABLE_STATES


def _assigned_social_worker(case: Case, user) -> bool:
    return (
        user.has_role(Role.SOCIAL_WORKER)
        and case.social_worker_id == user.pk
        and case_permissions.can_see_identity(case, user)
    )


def can_edit(case: Case, user) -> bool:
    """Who edits the risk table and the children's assessments (when: `is_editable`)."""
    return case_permissions.can_work(case, user) or _assigned_social_worker(case, user)


def can_change_table(table, user) -> bool:
    """The risk table transitions' `permission=` rule."""
    return can_edit(table.case, user)


def can_read(case: Case, user) -> bool:
    if can_edit(case, user):
        return True
    if user.has_role(Role.REGION_COORDINATOR) and case_permissions.can_see_identity(case, user):
        return True  # the region's coordinators keep reading closed cases
    iom = user.has_role(Role.IOM_CASEWORKER) or user.has_role(Role.IOM_APPROVER)
    if iom and case.submitted_at is not None and case_permissions.can_see_identity(case, user):
        return True
    # The office that receives the returnee reads what it is asked to act on.
    return bool(
        user.has_role(Role.COUNTRY_OFFICE)
        and case.state in ARRIVED_STATES
        and case_permissions.can_see_identity(case, user)
    )
