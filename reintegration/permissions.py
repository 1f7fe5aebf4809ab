"""Who may see and change a case's journey.

Read: whoever may see the returnee's identity on the case (the region's coordinators, the
assigned social worker, IOM Finland with consent, the destination's IOM office with consent):
a travel plan names the travellers and their documents. Plan and book: IOM Finland's
caseworkers (`referrals.permissions.can_plan_travel`). Confirm arrival: those, or the
destination country's IOM office. When (the case approved or in transit, the plan in the
right state) is the state machines' answer.
"""

from ampcase.accounts.roles import Role
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


# Reintegration support: the plan, the budget and the payments.


def can_read_support(case: Case, user) -> bool:
    """The plan, the budget and the payments name the people and what they receive: read by
    whoever may see the identity (the region's coordinators and the social worker read only)."""
    return case_permissions.can_see_identity(case, user)


def can_support(case: Case, user) -> bool:
    """IOM Finland's caseworkers and the destination's IOM office, each seeing who the
    returnee is, write the reintegration plan and ask for payments."""
    return can_receive(case, user)


def can_ask_payment(payment, user) -> bool:
    """Whoever may ask for payments on the case changes or cancels one."""
    return can_support(payment.case, user)


def can_decide_payment(payment, user) -> bool:
    """IOM Finland's approvers approve or reject a payment in advance, never one they asked
    for themselves."""
    return (
        user.has_role(Role.IOM_APPROVER)
        and case_permissions.can_see_identity(payment.case, user)
        and payment.requested_by_id != user.pk
    )


def can_keep_accounts(case: Case, user) -> bool:
    """The destination's IOM office pays out and keeps the receipts."""
    return user.has_role(Role.COUNTRY_OFFICE) and case_permissions.can_see_identity(case, user)


def can_pay_out(payment, user) -> bool:
    """The destination's IOM office disburses and reconciles, never a payment its disburser
    approved."""
    return can_keep_accounts(payment.case, user) and payment.decided_by_id != user.pk


def provider_countries(user) -> set[str] | None:
    """The countries whose providers `user` registers and pays: None for every country (IOM
    Finland's caseworkers), the office's own for a country office, none for anyone else."""
    if user.has_role(Role.IOM_CASEWORKER):
        return None
    office = user.organisation
    if user.has_role(Role.COUNTRY_OFFICE) and office is not None and office.country:
        return {office.country.code}
    return set()


def can_read_follow_ups(case: Case, user) -> bool:
    """What a follow-up contact found is special-category personal data: read by IOM Finland
    and the destination's office (each seeing the identity), not by the region's coordinators
    or the social worker, who see that contacts happen."""
    office = user.has_role(Role.COUNTRY_OFFICE)
    iom = user.has_role(Role.IOM_CASEWORKER) or user.has_role(Role.IOM_APPROVER)
    return (office or iom) and case_permissions.can_see_identity(case, user)


def can_manage_providers(user, country: str) -> bool:
    countries = provider_countries(user)
    return countries is None or country in countries
