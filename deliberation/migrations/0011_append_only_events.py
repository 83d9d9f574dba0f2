from django.db import migrations

from cms.append_only import AppendOnly


class Migration(migrations.Migration):
    """Timelines are append-only by the database: a trigger refuses updates (cms/append_only.py)."""

    dependencies = [
        ("deliberation", "0010_owner_links"),
    ]

    operations = [
        AppendOnly("RequestEvent"),
        AppendOnly("RoleEvent"),
    ]
