"""Who may see and do what on a case: the object-permission matrix of DESIGN.md section 6.

Object permissions live in the direct foreign-key tables `CaseUserObjectPermission` and
`CaseGroupObjectPermission` (django-guardian). They are never granted by hand: every service
that changes something they depend on calls `sync_case_permissions`, which computes the grants
the case should have now and makes the tables match. Lists filter in the database.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet

from ampcase.accounts import scopes
from ampcase.accounts.roles import Role

from .models import (
    FINAL_STATES,
    Case,
    CaseGroupObjectPermission,
    CaseState,
    CaseUserObjectPermission,
    Consent,
    ConsentPurpose,
)

VIEW = "view_case"
IDENTITY = "view_identity"
WORK = "work_case"
DECIDE = "decide_case"
STATUS = "view_status"
CASE_PERMISSIONS = (VIEW, IDENTITY, WORK, DECIDE, STATUS)

# States in which IOM's office in the destination country takes part.
COUNTRY_OFFICE_STATES = frozenset(
    {CaseState.APPROVED, CaseState.IN_TRANSIT, CaseState.REINTEGRATION, CaseState.CLOSED}
)


_PERMISSION_IDS: dict[str, int] = {}


def _permission_ids() -> dict[str, int]:
    # Looked up once per process: list filters then cost no extra query. (Cleared after
    # migrate and after a test flush, when ids may change: see apps.py.)
    if not _PERMISSION_IDS:
        _PERMISSION_IDS.update(
            Permission.objects.filter(
                content_type__app_label="referrals", codename__in=CASE_PERMISSIONS
            ).values_list("codename", "id")
        )
    return _PERMISSION_IDS


def forget_permission_ids(**kwargs) -> None:
    _PERMISSION_IDS.clear()


def current_consents(case: Case) -> dict[str, bool]:
    """Purpose -> whether consent holds now (the latest ledger entry wins)."""
    state: dict[str, bool] = {}
    for purpose, given in (
        Consent.objects.filter(case=case)
        .order_by("recorded_at", "id")
        .values_list("purpose", "given")
    ):
        state[purpose] = given
    return state


def desired_grants(case: Case) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """(group id -> codenames, user id -> codenames) the case should carry now."""
    groups: dict[int, set[str]] = defaultdict(set)
    users: dict[int, set[str]] = defaultdict(set)
    consent = current_consents(case)
    final = case.state in FINAL_STATES

    region = scopes.region_group(case.region).pk
    groups[region] |= {VIEW, IDENTITY}
    if not final:
        groups[region].add(WORK)

    users[case.referred_by_id].add(STATUS)

    if case.social_worker_id:
        users[case.social_worker_id] |= {VIEW, IDENTITY}

    # IOM Finland: under the pseudonym from the first consultation or submission; the
    # identity only while consent to share with IOM Finland holds.
    if case.consultation_shared_at or case.submitted_at:
        iom = scopes.iom_finland_group().pk
        groups[iom].add(VIEW)
        if consent.get(ConsentPurpose.IOM_FINLAND):
            groups[iom].add(IDENTITY)
        if case.state == CaseState.SUBMITTED:
            groups[iom].add(DECIDE)

    # The IOM office of the destination country, once the return is approved.
    if case.destination_country and case.state in COUNTRY_OFFICE_STATES:
        office = scopes.country_group(case.destination_country.code).pk
        groups[office].add(VIEW)
        if consent.get(ConsentPurpose.IOM_DESTINATION):
            groups[office].add(IDENTITY)
    return groups, users


def sync_case_permissions(case: Case) -> None:
    """Make the case's object permissions exactly `desired_grants(case)`."""
    ids = _permission_ids()
    codename = {pk: name for name, pk in ids.items()}
    want_groups, want_users = desired_grants(case)

    have_groups: dict[int, set[str]] = defaultdict(set)
    for group_id, perm_id in CaseGroupObjectPermission.objects.filter(
        content_object=case
    ).values_list("group_id", "permission_id"):
        have_groups[group_id].add(codename[perm_id])
    have_users: dict[int, set[str]] = defaultdict(set)
    for user_id, perm_id in CaseUserObjectPermission.objects.filter(
        content_object=case
    ).values_list("user_id", "permission_id"):
        have_users[user_id].add(codename[perm_id])

    _apply(CaseGroupObjectPermission, "group_id", case, want_groups, have_groups, ids)
    _apply(CaseUserObjectPermission, "user_id", case, want_users, have_users, ids)


def _apply(model, holder_field, case, want, have, ids) -> None:
    stale = Q(pk__in=[])
    for holder in set(want) | set(have):
        for name in have.get(holder, set()) - want.get(holder, set()):
            stale |= Q(**{holder_field: holder, "permission_id": ids[name]})
    model.objects.filter(content_object=case).filter(stale).delete()
    model.objects.bulk_create(
        model(content_object=case, permission_id=ids[name], **{holder_field: holder})
        for holder, names in want.items()
        for name in names - have.get(holder, set())
    )


def case_perms(user, case: Case) -> frozenset[str]:
    """The codenames `user` holds on `case`, through their groups or directly. One query,
    cached on the user object for the request. Superusers get no free pass: case content is
    for the people working on the case."""
    if not user.is_authenticated:
        return frozenset()
    cache = user.__dict__.setdefault("_case_perm_cache", {})
    if case.pk not in cache:
        group_perms = CaseGroupObjectPermission.objects.filter(
            content_object_id=case.pk, group__user=user
        ).values_list("permission__codename", flat=True)
        user_perms = CaseUserObjectPermission.objects.filter(
            content_object_id=case.pk, user=user
        ).values_list("permission__codename", flat=True)
        cache[case.pk] = frozenset(group_perms.union(user_perms))
    return cache[case.pk]


def forget_perms(user) -> None:
    user.__dict__.pop("_case_perm_cache", None)


def _holds(user, codename: str) -> Q:
    """A filter on cases: `user` holds `codename` on the case, directly or through a group."""
    perm_id = _permission_ids()[codename]
    via_group = CaseGroupObjectPermission.objects.filter(
        content_object_id=OuterRef("pk"), permission_id=perm_id, group__user=user
    )
    direct = CaseUserObjectPermission.objects.filter(
        content_object_id=OuterRef("pk"), permission_id=perm_id, user=user
    )
    return Q(Exists(via_group)) | Q(Exists(direct))


def cases_for(user, codename: str = VIEW) -> QuerySet[Case]:
    """Cases on which `user` holds `codename`, filtered in the database. Model-wide
    permissions never count (the equivalent of guardian's accept_global_perms=False)."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(_holds(user, codename))


def identity_visible_annotation(user):
    """An annotation for lists: may `user` see who the returnee of each row is?"""
    return _holds(user, IDENTITY)


# Rule functions: the transitions' `permission=` callables and the views' button logic.


def can_view(case: Case, user) -> bool:
    return VIEW in case_perms(user, case)


def can_see_identity(case: Case, user) -> bool:
    return IDENTITY in case_perms(user, case)


def can_work(case: Case, user) -> bool:
    return user.has_role(Role.REGION_COORDINATOR) and WORK in case_perms(user, case)


def can_record_consent(case: Case, user) -> bool:
    """The region's coordinators record consent while they work on the case, and record a
    withdrawal of consent at any time, final states included: a withdrawal must always be
    possible, and it takes IOM's access to the identity away."""
    perms = case_perms(user, case)
    return user.has_role(Role.REGION_COORDINATOR) and (WORK in perms or IDENTITY in perms)


def can_decide(case: Case, user) -> bool:
    return user.has_role(Role.IOM_CASEWORKER) and DECIDE in case_perms(user, case)


# States in which the journey home is planned and made.
TRAVEL_STATES = frozenset({CaseState.APPROVED, CaseState.IN_TRANSIT})


def can_plan_travel(case: Case, user) -> bool:
    """IOM Finland's caseworkers book the journey of an approved case, and only while consent
    lets them see who travels (the tickets carry the name)."""
    return (
        user.has_role(Role.IOM_CASEWORKER)
        and case.state in TRAVEL_STATES
        and IDENTITY in case_perms(user, case)
    )


def can_receive(case: Case, user) -> bool:
    """The returnee's arrival is confirmed by the IOM office that meets them, or by IOM
    Finland."""
    if case.state != CaseState.IN_TRANSIT:
        return False
    if can_plan_travel(case, user):
        return True
    return user.has_role(Role.COUNTRY_OFFICE) and IDENTITY in case_perms(user, case)


def can_log_referral(user) -> bool:
    return bool({Role.REFERRER, Role.REGION_COORDINATOR} & user.roles)
