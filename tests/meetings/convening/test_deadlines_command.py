"""The one scheduler command also sends the 24-hour meeting reminder, once, whatever it is run."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_service_messages")]


def test_process_deadlines_reminds_meeting_participants_once(
    scheduled, convener, capsys, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with time_machine.travel(scheduled.starts_at - timedelta(hours=23), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("process_deadlines")
        with django_capture_on_commit_callbacks(execute=True):
            call_command("process_deadlines")
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("meetings_reminded=1") and out[1].endswith("meetings_reminded=0")
    recipients = sorted(tuple(m.to) for m in mail.outbox)
    assert len(recipients) == len(set(recipients)) == scheduled.participants.exclude(email="").count()
