"""Every community that existed before the meetings list became a page gets its meetings page
(published, no introduction), as ``services.pages.meeting_index_ensure`` gives a new one."""

from django.db import migrations

from cms.tree import add_child_page


def create_meeting_index_pages(apps, schema_editor):
    for community in apps.get_model("cms", "CommunityPage").objects.order_by("path"):
        add_child_page(apps, community, "meetings", "MeetingIndexPage", slug="meetings", title="四方会议")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0011_meeting_index_page"),
        ("deliberation", "0013_hall_pages_for_communities"),
        ("cms", "0002_create_homepage"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_meeting_index_pages, migrations.RunPython.noop)]
