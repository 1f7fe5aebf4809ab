"""The seven ÅMP regions and the role groups. The roles' permissions are set after every
migrate by `roles.sync_role_permissions`, once every app's permissions exist."""

from django.db import migrations

REGIONS = [
    ("bergslagen", "Bergslagen"),
    ("stockholm", "Stockholm"),
    ("mitt", "Mitt"),
    ("nord", "Nord"),
    ("syd", "Syd"),
    ("vast", "Väst"),
    ("ost", "Öst"),
]

ROLES = [
    "referrer",
    "region_coordinator",
    "social_worker",
    "iom_caseworker",
    "iom_approver",
    "country_office",
    "national_coordinator",
    "administrator",
]


def create(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    Group = apps.get_model("auth", "Group")
    for code, name in REGIONS:
        Region.objects.update_or_create(code=code, defaults={"name": name})
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def remove(apps, schema_editor):
    apps.get_model("accounts", "Region").objects.filter(code__in=[c for c, _ in REGIONS]).delete()
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
