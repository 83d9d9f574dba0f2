"""Notices used to be stored HTML-escaped (a name typed as ``<b>`` was kept as ``&lt;b&gt;``) and
the inbox escaped them again. They are plain text now; undo the stored escaping once.

Meeting mails (keys ``meeting-…``) were always stored as plain text and are left alone.
"""

import html

from django.db import migrations


def unescape(apps, schema_editor):
    Notification = apps.get_model("deliberation", "Notification")
    for notice in Notification.objects.exclude(key__startswith="meeting-").iterator():
        subject, body = html.unescape(notice.subject), html.unescape(notice.body)
        if (subject, body) != (notice.subject, notice.body):
            Notification.objects.filter(pk=notice.pk).update(subject=subject[:200], body=body)


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0006_event_off_agenda")]

    operations = [migrations.RunPython(unescape, migrations.RunPython.noop)]
