"""The "send invitations" request with a slow mail server: its time must not grow with the people.

Run: ``.venv/bin/python bench/invite_latency.py``. It builds its own SQLite database in a temporary
directory, starts a local SMTP server that takes 1 s per message, and posts the convener's "send
invitations" form for a meeting of 10 and of 100 participants (five fresh meetings each, median).
The request only stores one task for the notices; the task worker writes each person's inbox notice
and deliveries and sends them afterwards, which the bench then shows for the 10-person meeting. The last line is ``ratio=<x>``: the 100-person request's median
over the 10-person one's (1.0 means it does not grow).
"""

import statistics
import time
from datetime import timedelta

from on_sqlite import django_on_temporary_sqlite  # bench/, the folder of the script

django_on_temporary_sqlite("invite-bench-")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from deliberation.models import Delivery, Role  # noqa: E402
from tests.deliberation.delivery.smtp import free_port, smtp_server  # noqa: E402
from tests.factories import make_community, make_member, meeting_to_invite  # noqa: E402

RUNS = 5
SIZES = (10, 100)
SLOW = 1.0  # seconds the mail server takes per message


def post_invitations(client, meeting) -> float:
    starts = timezone.localtime(meeting.starts_at)
    data = {
        "starts_at": f"{starts:%Y-%m-%dT%H:%M}",
        "ends_at": f"{starts + timedelta(hours=2):%Y-%m-%dT%H:%M}",
    }
    began = time.perf_counter()
    response = client.post(reverse("meeting_schedule", args=[meeting.pk]), data)
    elapsed = time.perf_counter() - began
    assert response.status_code == 302, response.status_code
    return elapsed


def main():
    setup_test_environment()
    call_command("migrate", verbosity=0)
    port = free_port()
    mail = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_TIMEOUT": 30,
        "TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
        "ALLOWED_HOSTS": ["testserver"],
    }
    with override_settings(**mail), smtp_server(port, delay=SLOW) as inbox:
        community = make_community()
        convener = make_member(community, role=Role.WORKER)
        client = Client()
        client.force_login(convener)
        medians = {}
        for size in SIZES:
            meetings = [
                meeting_to_invite(community, convener, size=size, title=f"四方会议 {size}-{n}", days=3 + n)
                for n in range(RUNS + 1)
            ]
            post_invitations(client, meetings[0])  # warm-up
            times = [post_invitations(client, meeting) for meeting in meetings[1:]]
            medians[size] = statistics.median(times)
            queued = DBTaskResult.objects.filter(args_kwargs__args__0=meetings[-1].pk).count()
            print(f"participants={size} request_median_ms={medians[size] * 1000:.1f} tasks_queued={queued}")

        # What the request no longer waits for: the worker sends one 10-person meeting's invitations.
        ten = meeting_to_invite(community, convener, size=10, title="四方会议 发送", days=60)
        DBTaskResult.objects.all().delete()  # the measured meetings' deliveries are not sent
        Delivery.objects.filter(status=Delivery.Status.QUEUED).update(status=Delivery.Status.GAVE_UP)
        post_invitations(client, ten)
        began = time.perf_counter()
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
        sent = Delivery.objects.filter(about=f"meeting:{ten.pk}", status=Delivery.Status.SENT).count()
        print(
            f"worker: {sent} invitations of the 10-person meeting delivered in {time.perf_counter() - began:.1f} s "
            f"(mail server: {SLOW:.0f} s per message; {len(inbox.messages)} received)"
        )
    print(f"database={settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} runs={RUNS}")
    print(f"ratio={medians[100] / medians[10]:.2f}")


if __name__ == "__main__":
    main()
