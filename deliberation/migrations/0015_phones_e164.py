"""Phones stored before issue 11 were free text ("138-0013-8000", "0471 1111111"): write each one
that is a number in E.164, as every form and import now does (``deliberation.phones``).

A value that is not a number is left as it was: nothing else records it, so rewriting or blanking
it would lose what a worker or a resident once wrote. It is shown as written and never gets an
SMS; the next save of that profile or re-import of that roster row asks for a real number. Runs
while the columns are still plain text, before 0016 makes them phone-number fields.
"""

import phonenumbers
from django.db import migrations

FIELDS = [
    ("User", "phone"),
    ("PropertyCompany", "contact_phone"),
    ("Owner", "phone"),
    ("Request", "requester_phone"),
]


def e164(value) -> str:
    text = str(value or "").strip()
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize(apps, schema_editor):
    for model_name, field in FIELDS:
        model = apps.get_model("deliberation", model_name)
        changed = []
        for pk, value in model.objects.exclude(**{field: ""}).values_list("pk", field).iterator():
            number = e164(value)
            if number and number != str(value):
                changed.append(model(pk=pk, **{field: number}))
        model.objects.bulk_update(changed, [field], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0014_outbox")]

    operations = [migrations.RunPython(normalize, migrations.RunPython.noop, elidable=True)]
