"""The interim question set of the reintegration check, from its file: clearly labelled
interim, with no weights. IOM's official set is loaded later with `load_question_set`."""

from django.db import migrations


def load(apps, schema_editor):
    from reintegration.question_sets import INTERIM, parse, read

    definition = read(INTERIM)
    spec = parse(definition)
    apps.get_model("reintegration", "QuestionSet").objects.get_or_create(
        code=spec.code, version=spec.version, defaults={"definition": definition}
    )


class Migration(migrations.Migration):
    dependencies = [("reintegration", "0005_reintegration_check")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
