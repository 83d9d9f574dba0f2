"""Participants added from an account without a chosen name were stored under their e-mail, which
the meeting page, the live page and the printed minutes then showed to everyone. Give them their
chosen name, or their party's name, as new participants get (deliberation.people)."""

from django.conf import settings
from django.db import migrations
from django.utils import translation


def rename(apps, schema_editor):
    Participant = apps.get_model("meetings", "Participant")
    labels = dict(Participant._meta.get_field("party").choices)
    with translation.override(settings.LANGUAGE_CODE):
        for participant in Participant.objects.filter(name__contains="@").select_related("user"):
            chosen = (participant.user.display_name or "").strip() if participant.user_id else ""
            name = chosen or str(labels.get(participant.party, participant.party))
            Participant.objects.filter(pk=participant.pk).update(name=name[:60])


class Migration(migrations.Migration):
    dependencies = [("meetings", "0004_merge_0002_live_minutes_0003_agenda_requests")]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
