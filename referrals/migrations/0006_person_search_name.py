from django.db import migrations, models

from ampcase.lib.text import fold


def fill_search_names(apps, schema_editor):
    Person = apps.get_model("referrals", "Person")
    people = list(Person.objects.only("pk", "given_name", "family_name"))
    for person in people:
        person.search_name = fold(f"{person.given_name} {person.family_name}")
    Person.objects.bulk_update(people, ["search_name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0005_case_outcome")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="search_name",
            field=models.CharField(blank=True, editable=False, max_length=201),
        ),
        migrations.RunPython(fill_search_names, migrations.RunPython.noop),
    ]
