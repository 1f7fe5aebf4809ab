"""Who may see and change a case's journey.

Read: whoever may see the returnee's identity on the case (the region's coordinators, the
assigned social worker, IOM Finland with consent, the destination's IOM office with consent):
a travel plan names the travellers and their documents. Plan and book: IOM Finland's
caseworkers (`referrals.permissions.can_plan_travel`). Confirm arrival: those, or the
destination country's IOM office. When (the case approved or in transit, the plan in the
right state) is the state machines' answer.
"""

from ampcase.lib import fsm
from referrals import permissions as case_permissions
from referrals.models import Case

can_plan = case_permissions.can_plan_travel
can_receive = case_permissions.can_receive


def can_read(case: Case, user) -> bool:
    return case_permissions.can_see_identity(case, user)


# The travel plan transitions' `permission=` rules.


def can_change_plan(plan, user) -> bool:
    return can_plan(plan.case, user)


def can_record_arrival(plan, user) -> bool:
    return can_receive(plan.case, user)


def can_cancel(plan, user) -> bool:
    """IOM Finland's planners cancel a journey; so does whoever records that the returnee
    withdrew (the journey not yet made ends with the case)."""
    return can_plan(plan.case, user) or plan.case.state in fsm.targets(Case.withdraw)
