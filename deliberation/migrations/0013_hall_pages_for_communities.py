"""Every community that existed before the hall became a page gets its hall page (published,
empty text), as ``services.pages.hall_page_ensure`` gives a new one."""

from django.db import migrations

from cms.tree import add_child_page


def create_hall_pages(apps, schema_editor):
    for community in apps.get_model("cms", "CommunityPage").objects.order_by("path"):
        add_child_page(apps, community, "deliberation", "HallPage", slug="hall", title="议事厅")


class Migration(migrations.Migration):
    dependencies = [
        ("deliberation", "0012_hall_page"),
        ("cms", "0002_create_homepage"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_hall_pages, migrations.RunPython.noop)]
