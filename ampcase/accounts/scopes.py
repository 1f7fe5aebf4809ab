"""Scope groups: which users share object permissions because of where they work.

A role says what kind of work a user does; a scope says on whose cases. Object permissions
(django-guardian) are granted to these groups, never to role groups, so that a role's
model-wide permissions can never widen what a user sees:

- ``scope:region:<code>``   region coordinators of that region
- ``scope:iom-finland``     IOM Finland's caseworkers and approvers
- ``scope:country:<CC>``    the IOM country office of that destination country

Membership follows from the user's roles and organisation and is kept in line by signals
whenever either changes, so moving a coordinator to another region moves their access at
their next request.
"""

from django.contrib.auth.models import Group

from .models import OrganisationKind, Region
from .roles import Role

SCOPE_PREFIX = "scope:"


def region_group(region: Region) -> Group:
    return Group.objects.get_or_create(name=f"{SCOPE_PREFIX}region:{region.code}")[0]


def iom_finland_group() -> Group:
    return Group.objects.get_or_create(name=f"{SCOPE_PREFIX}iom-finland")[0]


def country_group(country_code: str) -> Group:
    return Group.objects.get_or_create(name=f"{SCOPE_PREFIX}country:{country_code.upper()}")[0]


def scope_groups_for(user) -> set[Group]:
    """The scope groups `user` should be in now."""
    organisation = user.organisation
    if organisation is None or not organisation.is_active or not user.is_active:
        return set()
    roles = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    wanted: set[Group] = set()
    if (
        Role.REGION_COORDINATOR in roles
        and organisation.kind == OrganisationKind.REGION_COORDINATION
        and organisation.region_id
    ):
        wanted.add(region_group(organisation.region))
    if {Role.IOM_CASEWORKER, Role.IOM_APPROVER} & roles and (
        organisation.kind == OrganisationKind.IOM_FINLAND
    ):
        wanted.add(iom_finland_group())
    if (
        Role.COUNTRY_OFFICE in roles
        and organisation.kind == OrganisationKind.IOM_COUNTRY_OFFICE
        and organisation.country
    ):
        wanted.add(country_group(organisation.country.code))
    return wanted


def sync_scope_groups(user) -> None:
    """Put `user` in exactly the scope groups their roles and organisation call for."""
    wanted = scope_groups_for(user)
    current = set(user.groups.filter(name__startswith=SCOPE_PREFIX))
    if current - wanted:
        user.groups.remove(*(current - wanted))
    if wanted - current:
        user.groups.add(*(wanted - current))
