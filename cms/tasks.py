"""The site's scheduled work, run by the task worker; it orchestrates both apps."""

from django.utils import timezone
from django_tasks import task

from deliberation.services.deadlines import deadlines_process
from deliberation.services.delivery import deliveries_requeue_due
from meetings.services.convening import meeting_reminders_send
from meetings.services.owners_votes import owners_votes_close_due, owners_votes_remind_due

#: In the order the command prints them.
COUNTS = (
    "reminded",
    "urged",
    "escalated",
    "closed",
    "owners_votes_reminded",
    "owners_votes_closed",
    "deliveries_requeued",
    "meetings_reminded",
)


def deadlines_run(*, now=None) -> dict:
    """Everything time-driven, once: request reminders, urges, escalations and automatic closing;
    the 24-hour reminder of meetings; owners' votes' reminders to households that have not voted,
    and the close (result and seal) of those whose period has ended; and the outbox's sweep (retries that are due, sends that a
    stopped worker left half-way). Safe to run twice or from two places at once."""
    now = now or timezone.now()
    counts = deadlines_process(now=now)
    counts["meetings_reminded"] = meeting_reminders_send(now=now)
    counts["owners_votes_reminded"] = owners_votes_remind_due(now=now)
    counts["owners_votes_closed"] = owners_votes_close_due(now=now)
    counts["deliveries_requeued"] = deliveries_requeue_due(now=now)
    return counts


@task()
def process_deadlines() -> dict:
    """Queued every ten minutes (cron, a systemd timer or ``make run``'s loop: docs/deploy.md)."""
    return deadlines_run()
