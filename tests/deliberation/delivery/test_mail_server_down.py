"""Issue 11, must-show 1: with the mail server down, accepting a request, sending 40 invitations and
closing a motion all answer normally; nothing is lost; once the server is back the task worker
(django-tasks' database backend and its real ``db_worker``) delivers every message exactly once,
counted at a real SMTP server."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms.tasks import deadlines_run
from deliberation.models import Delivery, Notification, Request
from deliberation.selectors import request_url
from meetings.models import Motion
from meetings.services import motions as motion_services
from tests.factories import meeting_to_invite
from tests.meetings.live.test_motion_agenda_item import running_meeting

from .smtp import free_port, smtp_server, smtp_settings

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    """The real worker, as `make run` and production start it, until the queue is empty."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def mail_server_port(settings):
    """The site's mail goes to a local port where nothing listens yet (connection refused)."""
    port = free_port()
    smtp_settings(settings, port)
    settings.TASKS = DATABASE_TASKS
    return port


def test_mail_server_down_then_back_every_message_delivered_exactly_once(
    client, mail_server_port, community, worker, submit
):
    request = submit()
    invited = meeting_to_invite(community, worker, size=40)
    live, people, items = running_meeting(community)
    motion = motion_services.motion_open(
        meeting=live,
        by=people["chair"].user,
        text="修复路灯",
        rule="simple_majority",
        agenda_item=items["a"][0],
    ).payload["id"]
    for party in ("committee", "property", "residents"):
        motion_services.ballot_cast(motion=Motion.objects.get(pk=motion), by=people[party].user, choice="for")

    client.force_login(worker)
    accept = client.post(
        request_url(request, "request_action", "accept"),
        {"accept-party": "", "accept-due_date": "", "accept-note": ""},
    )
    assert accept.status_code == 302
    assert Request.objects.get(pk=request.pk).status == Request.Status.ACCEPTED
    starts = timezone.localtime(invited.starts_at)
    invite = client.post(
        reverse("meeting_schedule", args=[invited.pk]),
        {
            "starts_at": f"{starts:%Y-%m-%dT%H:%M}",
            "ends_at": f"{starts + timedelta(hours=2):%Y-%m-%dT%H:%M}",
        },
    )
    assert invite.status_code == 302
    assert invited.participants.count() == 40
    client.force_login(people["chair"].user)
    close = client.post(reverse("meeting_live_motion_close", args=[live.pk, motion]), {"confirm": "yes"})
    assert close.status_code == 302
    assert Motion.objects.get(pk=motion).passed is True
    # The requester of the request the motion decided is told too: every path ends in the outbox.
    assert Notification.objects.filter(user=items["a"][1].requester, key__contains=":event:").exists()

    emails = Delivery.objects.filter(channel=Delivery.Channel.EMAIL)
    invitations = emails.filter(about=f"meeting:{invited.pk}", payload__args__kind="invitation")
    # The click stored one task for the forty (committed with the meeting); the worker writes them.
    assert (
        DBTaskResult.objects.filter(
            task_path="meetings.tasks.store_meeting_notices", args_kwargs__args__0=invited.pk
        ).count()
        == 1
    )
    assert invitations.count() == 0
    assert emails.exists() and set(emails.values_list("status", flat=True)) == {Delivery.Status.QUEUED}

    run_worker()  # the mail server is down: every attempt fails, and is kept for a retry
    assert invitations.count() == 40
    stored = emails.count()
    assert stored > 40
    assert emails.filter(status=Delivery.Status.FAILED).count() == stored
    assert all("could not be reached" in d.last_error or "无法连接" in d.last_error for d in emails)
    assert emails.filter(next_attempt_at__isnull=True).count() == 0

    with smtp_server(mail_server_port) as inbox:
        with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=True):
            run_worker()  # the retries are due: all go out
            assert emails.filter(status=Delivery.Status.SENT).count() == stored
            received = len(inbox.messages)
            # Again, and the sweep that requeues what is due: nothing is sent twice.
            deadlines_run()
            run_worker()
        with time_machine.travel(timezone.now() + timedelta(hours=8), tick=True):
            deadlines_run()
            run_worker()
    assert received == stored == len(inbox.messages)
    assert len(set(inbox.message_ids())) == stored
    addresses = sorted(rcpt for rcpts, _message in inbox.messages for rcpt in rcpts)
    assert addresses == sorted(emails.values_list("address", flat=True))
    invitation = next(m for _r, m in inbox.messages if m["To"] == f"resident7-{invited.pk}@example.org")
    assert invitation.get_content_type() == "multipart/mixed"
    assert any(part.get_content_type() == "text/calendar" for part in invitation.walk())
