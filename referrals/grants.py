"""The object permissions a case carries (DESIGN.md section 6), and lists filtered by them.

Object permissions live in the direct foreign-key tables `CaseUserObjectPermission` and
`CaseGroupObjectPermission` (django-guardian). They are never granted by hand: every service
that changes something they depend on calls `sync_case_permissions`, which computes the grants
the case should have now (`desired_grants`) and makes the tables match. Lists filter in the
database (`cases_for`). The rules that read these grants are in `permissions.py`.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.lookups import GreaterThan
from django_fsm import can_proceed

from ampcase.accounts import scopes
from ampcase.accounts.models import User

from .models import (
    COUNTRY_OFFICE_STATES,
    FINAL_STATES,
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    ConsentPurpose,
    current_consents,
)
from .permissions import CASE_PERMISSIONS, DECIDE, IDENTITY, STATUS, VIEW, WORK

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


def desired_grants(case: Case) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """(group id -> codenames, user id -> codenames) the case should carry now."""
    groups: dict[int, set[str]] = defaultdict(set)
    users: dict[int, set[str]] = defaultdict(set)
    consent = current_consents(case)

    region = scopes.region_group(case.region).pk
    groups[region] |= {VIEW, IDENTITY}
    if case.state not in FINAL_STATES:
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
        # Deciding: while a decision can be taken.
        if can_proceed(case.approve):
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


def _holds(user, codename: str, *, per_row: bool = False) -> Q:
    """A filter on cases: `user` holds `codename` on the case, directly or through a group.

    Two EXISTS probes of the direct foreign-key tables, each answered from one index per case
    (`case_groupperm_case_idx`, and the user table's unique key). The user's groups are an
    uncorrelated subquery of the membership table, which PostgreSQL computes once per query:
    joining `auth_group` and the membership inside the probe (`group__user=user`) cost a join
    per case, and at 100,000 cases most of a list's time."""
    perm_id = _permission_ids()[codename]
    groups = User.groups.through.objects.filter(user_id=user.pk).values("group_id")
    via_group = CaseGroupObjectPermission.objects.filter(
        content_object_id=OuterRef("pk"), permission_id=perm_id, group_id__in=groups
    )
    direct = CaseUserObjectPermission.objects.filter(
        content_object_id=OuterRef("pk"), permission_id=perm_id, user=user
    )
    if per_row:
        # PostgreSQL answers an EXISTS correlated by one equality by hashing every grant the
        # user holds (tens of thousands for a coordinator) even to read 50 rows. A condition on
        # the outer row that is not an equality (always true: ids are positive) rules the hash
        # out, so each row is probed through the index instead: right for a column of the rows
        # shown, wrong for a filter over every case (a user with few grants would probe them
        # all), which therefore keeps the default.
        outer = GreaterThan(OuterRef("pk"), 0)
        via_group, direct = via_group.filter(outer), direct.filter(outer)
    return Q(Exists(via_group)) | Q(Exists(direct))


def cases_for(user, codename: str = VIEW) -> QuerySet[Case]:
    """Cases on which `user` holds `codename`, filtered in the database. Model-wide
    permissions never count (the equivalent of guardian's accept_global_perms=False)."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(_holds(user, codename))


def holders(case: Case, codename: str = VIEW) -> QuerySet:
    """The active users who hold `codename` on `case`, through a group or directly: the same
    grants `cases_for` reads, asked the other way round, in one query (who must be told)."""
    perm_id = _permission_ids()[codename]
    via_group = CaseGroupObjectPermission.objects.filter(
        content_object=case, permission_id=perm_id, group__user=OuterRef("pk")
    )
    direct = CaseUserObjectPermission.objects.filter(
        content_object=case, permission_id=perm_id, user=OuterRef("pk")
    )
    return User.objects.filter(is_active=True).filter(Q(Exists(via_group)) | Q(Exists(direct)))


def identity_visible_annotation(user, *, per_row: bool = False):
    """An annotation for lists: may `user` see who the returnee of each row is? `per_row`
    for a column of the rows shown only (see `_holds`), not for a filter or a sort."""
    return _holds(user, IDENTITY, per_row=per_row)


def destinations_for(user) -> set[str]:
    """The destination countries (codes) of the cases `user` sees: one query."""
    return set(
        cases_for(user)
        .exclude(destination_country="")
        .order_by()
        .values_list("destination_country", flat=True)
        .distinct()
    )
