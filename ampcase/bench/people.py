"""The generator's organisations and users: a few hundred people over every role, made once
per database through the ORM (so that the scope groups follow roles as they do in
production) and reused by later runs. Everything the generator makes is marked: the
organisations' names end with `MARK`, the user names start with `USER_PREFIX`."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.models import Group

from ampcase.accounts.models import Organisation, OrganisationKind, Region, RegionCode, User
from ampcase.accounts.roles import Role

from .names import names_for

MARK = " (bench)"
USER_PREFIX = "bench-"

K = OrganisationKind
R = RegionCode

CITIES = {
    R.STOCKHOLM: ("Stockholms stad", "Södertälje", "Huddinge"),
    R.VAST: ("Göteborg", "Borås"),
    R.SYD: ("Malmö", "Helsingborg"),
    R.OST: ("Linköping", "Norrköping"),
    R.MITT: ("Uppsala", "Gävle"),
    R.BERGSLAGEN: ("Örebro", "Västerås"),
    R.NORD: ("Umeå", "Luleå"),
}
# How much of the work each region has (Stockholm by far the most).
REGION_WEIGHTS = {
    R.STOCKHOLM: 42,
    R.VAST: 16,
    R.SYD: 14,
    R.OST: 9,
    R.MITT: 7,
    R.BERGSLAGEN: 7,
    R.NORD: 5,
}


@dataclass
class Staff:
    """The generator's users by what they do, as ids."""

    coordinators: dict[str, list[int]] = field(default_factory=dict)  # region code -> ids
    social_workers: dict[str, list[int]] = field(default_factory=dict)
    # region code -> [(user id, organisation id)]
    referrers: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    iom_caseworkers: list[int] = field(default_factory=list)
    iom_approvers: list[int] = field(default_factory=list)
    offices: dict[str, list[int]] = field(default_factory=dict)  # country code -> ids
    coordinator_orgs: dict[str, int] = field(default_factory=dict)


def organisations(countries: list[str]) -> list[tuple[str, str, str | None, str]]:
    """(name, kind, region code, country) of every organisation the generator uses."""
    rows = []
    for code, label in RegionCode.choices:
        rows.append((f"Regionkoordinator {label}", K.REGION_COORDINATION, code, ""))
        rows.append((f"Polisen, region {label}", K.POLICE, code, ""))
        rows.append((f"Migrationsverket {label}", K.MIGRATION_AGENCY, code, ""))
        rows.append((f"Skyddat boende {CITIES[code][0]}", K.SHELTER, code, ""))
        rows.extend(
            (f"Socialtjänsten {city}", K.SOCIAL_SERVICES, code, "") for city in CITIES[code]
        )
    rows.append(("IOM Finland", K.IOM_FINLAND, None, ""))
    rows.extend((f"IOM {country}", K.IOM_COUNTRY_OFFICE, None, country) for country in countries)
    rows.append(("Jämställdhetsmyndigheten", K.GENDER_EQUALITY_AGENCY, None, ""))
    rows.append(("ÅMP Case drift", K.OPERATOR, None, ""))
    return [(name + MARK, kind, region, country) for name, kind, region, country in rows]


def _slots(orgs: dict[str, Organisation]) -> tuple[list, list]:
    """(required, weighted): the (role, organisation) places users fill. Every required
    place gets one user; the rest are spread by weight."""
    required, weighted = [], []
    for org in orgs.values():
        region = org.region.code if org.region_id else None
        weight = REGION_WEIGHTS.get(region, 0)
        if org.kind == K.REGION_COORDINATION:
            required.append((Role.REGION_COORDINATOR, org))
            weighted.append((Role.REGION_COORDINATOR, org, weight * 0.5))
        elif org.kind == K.SOCIAL_SERVICES:
            required.append((Role.SOCIAL_WORKER, org))
            weighted.append((Role.SOCIAL_WORKER, org, weight * 0.6))
            weighted.append((Role.REFERRER, org, weight * 0.3))
        elif org.kind in (K.POLICE, K.MIGRATION_AGENCY, K.SHELTER):
            required.append((Role.REFERRER, org))
            weighted.append((Role.REFERRER, org, weight * 0.5))
        elif org.kind == K.IOM_FINLAND:
            required += [(Role.IOM_CASEWORKER, org), (Role.IOM_APPROVER, org)]
            weighted += [(Role.IOM_CASEWORKER, org, 12), (Role.IOM_APPROVER, org, 5)]
        elif org.kind == K.IOM_COUNTRY_OFFICE:
            required.append((Role.COUNTRY_OFFICE, org))
            weighted.append((Role.COUNTRY_OFFICE, org, 1.5))
        elif org.kind == K.GENDER_EQUALITY_AGENCY:
            required.append((Role.NATIONAL_COORDINATOR, org))
            weighted.append((Role.NATIONAL_COORDINATOR, org, 3))
        elif org.kind == K.OPERATOR:
            required.append((Role.ADMINISTRATOR, org))
            weighted.append((Role.ADMINISTRATOR, org, 2))
    return required, weighted


def make(rng: random.Random, count: int, countries: list[str]) -> int:
    """Create the organisations and `count` users (at least one in every place a case
    needs), unless the generator's users exist already. Returns how many users were made."""
    regions = {region.code: region for region in Region.objects.all()}
    for name, kind, region, country in organisations(countries):
        Organisation.objects.get_or_create(
            name=name,
            defaults={"kind": kind, "region": regions.get(region), "country": country},
        )
    if User.objects.filter(username__startswith=USER_PREFIX).exists():
        return 0
    orgs = {
        org.name: org
        for org in Organisation.objects.filter(name__endswith=MARK).select_related("region")
    }
    required, weighted = _slots(orgs)
    places = list(required)
    extra = max(0, count - len(places))
    places += [
        (role, org)
        for role, org, _w in rng.choices(weighted, weights=[w for *_x, w in weighted], k=extra)
    ]
    groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}
    for number, (role, org) in enumerate(places, start=1):
        country = org.country.code if org.country else "FI" if org.kind == K.IOM_FINLAND else "SE"
        women, men, families = names_for(country)
        user = User(
            username=f"{USER_PREFIX}{role}-{number:04d}",
            first_name=rng.choice(women + men),
            last_name=rng.choice(families),
            email=f"{USER_PREFIX}{number:04d}@example.org",
            organisation=org,
            is_staff=role == Role.ADMINISTRATOR,
        )
        user.set_unusable_password()
        user.save()
        user.groups.add(groups[role])  # the signal puts the user in their scope groups
    return len(places)


def staff() -> Staff:
    """The generator's users, by what they do."""
    found = Staff()
    users = (
        User.objects.filter(username__startswith=USER_PREFIX, is_active=True)
        .select_related("organisation__region")
        .prefetch_related("groups")
        .order_by("pk")
    )
    for user in users:
        org = user.organisation
        region = org.region.code if org.region_id else None
        for role in {group.name for group in user.groups.all()} & set(Role.values):
            if role == Role.REGION_COORDINATOR:
                found.coordinators.setdefault(region, []).append(user.pk)
                found.coordinator_orgs[region] = org.pk
            elif role == Role.SOCIAL_WORKER:
                found.social_workers.setdefault(region, []).append(user.pk)
            elif role == Role.REFERRER:
                found.referrers.setdefault(region, []).append((user.pk, org.pk))
            elif role == Role.IOM_CASEWORKER:
                found.iom_caseworkers.append(user.pk)
            elif role == Role.IOM_APPROVER:
                found.iom_approvers.append(user.pk)
            elif role == Role.COUNTRY_OFFICE:
                found.offices.setdefault(org.country.code, []).append(user.pk)
    return found
