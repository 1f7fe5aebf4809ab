"""The demo organisations and users: one user per role, with a known password and backup
codes. Used by `manage.py seed_demo` for `make run` and by the browser tests."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from .models import Organisation, OrganisationKind, Region, RegionCode, User
from .roles import Role

DEMO_PASSWORD = "demo-amp-2026"  # noqa: S105  (printed for demo logins; refused with DEBUG off)

K = OrganisationKind
ORGANISATIONS = [
    *[
        (f"Regionkoordinator {label}", K.REGION_COORDINATION, code, "")
        for code, label in RegionCode.choices
    ],
    ("Socialtjänsten Stockholms stad", K.SOCIAL_SERVICES, RegionCode.STOCKHOLM, ""),
    ("Socialtjänsten Malmö stad", K.SOCIAL_SERVICES, RegionCode.SYD, ""),
    ("Polisen, region Stockholm", K.POLICE, RegionCode.STOCKHOLM, ""),
    ("Skyddat boende Stockholm", K.SHELTER, RegionCode.STOCKHOLM, ""),
    ("IOM Finland", K.IOM_FINLAND, None, ""),
    ("IOM Nigeria", K.IOM_COUNTRY_OFFICE, None, "NG"),
    ("IOM Romania", K.IOM_COUNTRY_OFFICE, None, "RO"),
    ("Jämställdhetsmyndigheten", K.GENDER_EQUALITY_AGENCY, None, ""),
    ("ÅMP Case drift", K.OPERATOR, None, ""),
]

# user name, first name, last name, organisation, role
USERS = [
    ("referrer", "Rami", "Polis", "Polisen, region Stockholm", Role.REFERRER),
    ("coordinator", "Karin", "Åberg", "Regionkoordinator Stockholm", Role.REGION_COORDINATOR),
    ("coordinator.syd", "Sven", "Öhman", "Regionkoordinator Syd", Role.REGION_COORDINATOR),
    ("socialworker", "Sara", "Ekström", "Socialtjänsten Stockholms stad", Role.SOCIAL_WORKER),
    ("iom.caseworker", "Aino", "Virtanen", "IOM Finland", Role.IOM_CASEWORKER),
    ("iom.approver", "Mikko", "Laine", "IOM Finland", Role.IOM_APPROVER),
    ("iom.nigeria", "Ngozi", "Okafor", "IOM Nigeria", Role.COUNTRY_OFFICE),
    ("national", "Eva", "Lind", "Jämställdhetsmyndigheten", Role.NATIONAL_COORDINATOR),
    ("admin", "Ada", "Drift", "ÅMP Case drift", Role.ADMINISTRATOR),
]


@transaction.atomic
def seed() -> tuple[int, int]:
    """Create what is missing; never change what exists. Returns (organisations, users) made."""
    regions = {region.code: region for region in Region.objects.all()}
    made_orgs = made_users = 0
    for name, kind, region_code, country in ORGANISATIONS:
        _org, created = Organisation.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "region": regions[region_code] if region_code else None,
                "country": country,
            },
        )
        made_orgs += created
    organisations = {org.name: org for org in Organisation.objects.all()}
    for username, first, last, org_name, role in USERS:
        if User.objects.filter(username=username).exists():
            continue
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.org",
            organisation=organisations[org_name],
            is_staff=role == Role.ADMINISTRATOR,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=role))
        device = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=StaticToken.random_token())
            for _ in range(settings.BACKUP_CODE_COUNT)
        )
        made_users += 1
    return made_orgs, made_users


def logins() -> list[tuple[str, str, list[str]]]:
    """(user name, role label, unused backup codes) of every demo user."""
    rows = []
    for username, _first, _last, _org, role in USERS:
        codes = list(
            StaticToken.objects.filter(device__user__username=username)
            .order_by("id")
            .values_list("token", flat=True)
        )
        rows.append((username, str(role.label), codes))
    return rows
