"""Phone numbers in E.164 (issue 11, item 19).

Every stored number that libphonenumber reads as a valid number (as Swedish when it has no
country code) is rewritten in E.164. Anything else is left exactly as it was: it may be the
only way to reach the person, so it is not thrown away. The person form shows it and will
not save it until it is corrected. The numbers are not logged: they are personal data.
"""

import re

from django.db import migrations

WRITTEN_NUMBER = re.compile(r"[0-9 ()./+-]{4,40}")


def to_e164(value):
    import phonenumbers

    value = value.strip()
    if not WRITTEN_NUMBER.fullmatch(value):
        return None
    try:
        number = phonenumbers.parse(value, "SE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_phone_numbers(apps, schema_editor):
    Person = apps.get_model("referrals", "Person")
    for person in Person.objects.exclude(phone="").only("pk", "phone").iterator():
        e164 = to_e164(person.phone)
        if e164 is not None and e164 != person.phone:
            Person.objects.filter(pk=person.pk).update(phone=e164)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0006_person_search_name")]

    operations = [migrations.RunPython(normalise_phone_numbers, migrations.RunPython.noop)]
