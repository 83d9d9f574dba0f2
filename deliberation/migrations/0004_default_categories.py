"""The categories every community starts with; editors change them as Wagtail snippets."""

from django.db import migrations

DEFAULTS = [
    # name_zh, name_en, default party, SLA days
    ("物业服务", "Property services", "property", 3),
    ("设施维修", "Facility repairs", "property", 5),
    ("环境卫生", "Cleanliness and environment", "property", 3),
    ("安全", "Safety", "community", 3),
    ("停车", "Parking", "property", 5),
    ("邻里纠纷", "Disputes between neighbours", "community", 7),
    ("家庭纠纷", "Family disputes", "community", 7),
    ("其他", "Other", "community", 7),
]


def create(apps, schema_editor):
    Category = apps.get_model("deliberation", "Category")
    for position, (zh, en, party, days) in enumerate(DEFAULTS):
        Category.objects.get_or_create(
            name_zh=zh, defaults={"name_en": en, "default_party": party, "sla_days": days, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0003_requests")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
