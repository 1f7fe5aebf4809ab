"""Who may see and change a case's journey.

Read: whoever may see the returnee's identity on the case (the region's coordinators, the
assigned social worker, IOM Finland with consent, the destination's IOM office with consent):
a travel plan names the travellers and their documents. Plan and book: IOM Finland's
caseworkers, while the case is approved or in transit (`referrals.permissions.can_plan_travel`).
Confirm arrival: those, or the destination country's IOM office.
"""

from referrals import permissions as case_permissions
from referrals.models import Case

can_plan = case_permissions.can_plan_travel
can_receive = case_permissions.can_receive


def can_read(case: Case, user) -> bool:
    return case_permissions.can_see_identity(case, user)
