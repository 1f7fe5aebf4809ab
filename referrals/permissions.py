"""Who may do what on a case: rule functions of a case and a user.

These are the case transitions' `permission=` callables, and what services, views and buttons
ask. They answer "who" only: "when" (which state) is the state machine's answer
(`can_proceed`, the transitions' `source`). They read the object permissions a case carries
(`grants.py` computes and stores them) and change nothing.

This module imports no model, so that `models.py` can name these rules in its transitions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ampcase.accounts.roles import Role

if TYPE_CHECKING:
    from .models import Case

# The object permissions of a case (codenames of `Case.Meta.permissions`, and guardian's view).
VIEW = "view_case"
IDENTITY = "view_identity"
WORK = "work_case"
DECIDE = "decide_case"
STATUS = "view_status"
CASE_PERMISSIONS = (VIEW, IDENTITY, WORK, DECIDE, STATUS)


def case_perms(user, case: Case) -> frozenset[str]:
    """The codenames `user` holds on `case`, through their groups or directly. One query,
    cached on the user object for the request. Superusers get no free pass: case content is
    for the people working on the case."""
    if not user.is_authenticated:
        return frozenset()
    cache = user.__dict__.setdefault("_case_perm_cache", {})
    if case.pk not in cache:
        via_groups = case.casegroupobjectpermission_set.filter(group__user=user)
        direct = case.caseuserobjectpermission_set.filter(user=user)
        cache[case.pk] = frozenset(
            via_groups.values_list("permission__codename", flat=True).union(
                direct.values_list("permission__codename", flat=True)
            )
        )
    return cache[case.pk]


def forget_perms(user) -> None:
    """Drop what `case_perms` remembered: after a row lock, or after the grants changed."""
    user.__dict__.pop("_case_perm_cache", None)


def can_view(case: Case, user) -> bool:
    return VIEW in case_perms(user, case)


def can_see_identity(case: Case, user) -> bool:
    return IDENTITY in case_perms(user, case)


def can_work(case: Case, user) -> bool:
    """The region's coordinators, while the case is open (the grant goes when it ends)."""
    return user.has_role(Role.REGION_COORDINATOR) and WORK in case_perms(user, case)


def can_reconsider(case: Case, user) -> bool:
    """The region's coordinators reopen the screening of a person found not eligible. The case
    has ended, so they hold no `work_case` on it; they still see it, as the region does."""
    return user.has_role(Role.REGION_COORDINATOR) and IDENTITY in case_perms(user, case)


def can_record_consent(case: Case, user) -> bool:
    """The region's coordinators record consent while they work on the case, and record a
    withdrawal of consent at any time, final states included: a withdrawal must always be
    possible, and it takes IOM's access to the identity away."""
    perms = case_perms(user, case)
    return user.has_role(Role.REGION_COORDINATOR) and (WORK in perms or IDENTITY in perms)


def can_read_referral_note(case: Case, user) -> bool:
    """What the referrer told the coordinator was shared under the consent to share between
    Swedish authorities: the region's coordinators and the assigned social worker read it,
    IOM never."""
    return IDENTITY in case_perms(user, case) and bool(
        {Role.REGION_COORDINATOR, Role.SOCIAL_WORKER} & user.roles
    )


def can_decide(case: Case, user) -> bool:
    """IOM Finland's caseworkers, on a case submitted to them (the grant goes with the
    decision)."""
    return user.has_role(Role.IOM_CASEWORKER) and DECIDE in case_perms(user, case)


def can_plan_travel(case: Case, user) -> bool:
    """IOM Finland's caseworkers book the journey, and only while consent lets them see who
    travels (the tickets carry the name)."""
    return user.has_role(Role.IOM_CASEWORKER) and IDENTITY in case_perms(user, case)


def can_receive(case: Case, user) -> bool:
    """The returnee's arrival is confirmed by the IOM office that meets them, or by IOM
    Finland."""
    if can_plan_travel(case, user):
        return True
    return user.has_role(Role.COUNTRY_OFFICE) and IDENTITY in case_perms(user, case)


def can_close(case: Case, user) -> bool:
    """IOM Finland's caseworkers close a case with its outcome, and reopen it."""
    return user.has_role(Role.IOM_CASEWORKER) and VIEW in case_perms(user, case)


def can_log_referral(user) -> bool:
    return bool({Role.REFERRER, Role.REGION_COORDINATOR} & user.roles)
