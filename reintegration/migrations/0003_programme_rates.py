"""The programme's rates (DESIGN.md section 7) as data: a new programme period adds rows here
or in the admin, never code. Monthly subsistence 150 USD for months 1 to 6 after arrival,
reintegration grant 2,800 USD, medical 300 USD; an accompanying child 50 % of each when
granted."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

RATES = [
    ("subsistence", Decimal("150.00"), 6),
    ("grant", Decimal("2800.00"), None),
    ("medical", Decimal("300.00"), None),
]


def seed(apps, schema_editor):
    period_model = apps.get_model("reintegration", "ProgrammePeriod")
    rate_model = apps.get_model("reintegration", "Rate")
    period, _created = period_model.objects.get_or_create(
        starts_on=dt.date(2000, 1, 1),
        defaults={"name": "ÅMP", "child_share": Decimal("0.50")},
    )
    for category, amount, months in RATES:
        rate_model.objects.get_or_create(
            period=period, category=category, defaults={"amount": amount, "months": months}
        )


def unseed(apps, schema_editor):
    apps.get_model("reintegration", "Rate").objects.filter(period__name="ÅMP").delete()
    apps.get_model("reintegration", "ProgrammePeriod").objects.filter(name="ÅMP").delete()


class Migration(migrations.Migration):
    dependencies = [("reintegration", "0002_reintegration_support")]

    operations = [migrations.RunPython(seed, unseed)]
