"""Roles: what kind of work a user does.

A role is a Django group holding model permissions. Which cases a user works on is decided
elsewhere, by object permissions (django-guardian) granted and revoked in the apps' services.
The groups are created by a migration; their permissions are brought in line with
`ROLE_PERMISSIONS` after every `migrate`, so that apps added later only extend this table.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import OrganisationKind


class Role(models.TextChoices):
    REFERRER = "referrer", _("Referrer")
    REGION_COORDINATOR = "region_coordinator", _("Region coordinator")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    IOM_CASEWORKER = "iom_caseworker", _("IOM Finland caseworker")
    IOM_APPROVER = "iom_approver", _("IOM Finland approver")
    COUNTRY_OFFICE = "country_office", _("IOM country office")
    NATIONAL_COORDINATOR = "national_coordinator", _("National coordinator")
    ADMINISTRATOR = "administrator", _("Administrator")


# The organisations in which each role can be held (DESIGN.md section 3).
ROLE_ORGANISATION_KINDS: dict[str, frozenset[str]] = {
    Role.REFERRER: frozenset(
        {
            OrganisationKind.POLICE,
            OrganisationKind.MIGRATION_AGENCY,
            OrganisationKind.SHELTER,
            OrganisationKind.SOCIAL_SERVICES,
        }
    ),
    Role.REGION_COORDINATOR: frozenset({OrganisationKind.REGION_COORDINATION}),
    Role.SOCIAL_WORKER: frozenset({OrganisationKind.SOCIAL_SERVICES}),
    Role.IOM_CASEWORKER: frozenset({OrganisationKind.IOM_FINLAND}),
    Role.IOM_APPROVER: frozenset({OrganisationKind.IOM_FINLAND}),
    Role.COUNTRY_OFFICE: frozenset({OrganisationKind.IOM_COUNTRY_OFFICE}),
    Role.NATIONAL_COORDINATOR: frozenset({OrganisationKind.GENDER_EQUALITY_AGENCY}),
    Role.ADMINISTRATOR: frozenset({OrganisationKind.OPERATOR}),
}

# Model permissions ("app_label.codename") of each role. Case work is scoped by object
# permissions; these say only what kind of work the role may do at all. The administrator
# manages users, organisations and regions and reads the audit trail, and sees no case content.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.REFERRER: (),
    Role.REGION_COORDINATOR: (),
    Role.SOCIAL_WORKER: (),
    Role.IOM_CASEWORKER: (),
    Role.IOM_APPROVER: (),
    Role.COUNTRY_OFFICE: (),
    Role.NATIONAL_COORDINATOR: (),
    Role.ADMINISTRATOR: (
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "accounts.add_organisation",
        "accounts.change_organisation",
        "accounts.view_organisation",
        "accounts.view_region",
        "audit.view_auditevent",
        # The programme's rates: a new period is new rows (reintegration/admin.py).
        "reintegration.add_programmeperiod",
        "reintegration.change_programmeperiod",
        "reintegration.view_programmeperiod",
        "reintegration.add_rate",
        "reintegration.change_rate",
        "reintegration.view_rate",
        # The mail outbox: what waits, what was sent, what failed (no personal data in it).
        "notifications.view_outboxmail",
        # Lockouts: see them, and lift one by deleting the attempt.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
    ),
}


def sync_role_permissions(sender=None, using: str = "default", apps=None, **kwargs) -> None:
    """Create the regions and role groups if missing (a database flush in tests empties the
    tables the data migration filled) and give each role exactly the permissions above.

    Runs after every `migrate` (post_migrate). Permissions are themselves created in
    post_migrate, app by app, so they are created here first for every installed app.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from .models import Region, RegionCode

    for code, name in RegionCode.choices:
        Region.objects.using(using).get_or_create(code=code, defaults={"name": name})

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)

    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.append(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)
