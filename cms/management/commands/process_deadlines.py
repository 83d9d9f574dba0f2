"""Run from cron every few minutes: ``python manage.py process_deadlines``. Safe to run twice.

One scheduler entry for everything time-driven: request reminders, urges, escalations and
automatic closing, and the 24-hour reminder of meetings. Each request and each meeting is handled
in its own transaction: one that fails is logged and stays due, and the others still run.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from deliberation.services.deadlines import deadlines_process
from meetings.services.convening import meeting_reminders_send


class Command(BaseCommand):
    help = (
        "Send due-date reminders and overdue urges, escalate long-overdue requests, close unevaluated "
        "ones, and remind meeting participants 24 hours before a meeting."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        counts = deadlines_process(now=now)
        counts["meetings_reminded"] = meeting_reminders_send(now=now)
        if counts.get("failed"):
            self.stderr.write(f"{counts['failed']} request(s) failed and stay due; see the log.")
        summary = ", ".join(
            f"{kind}={counts.get(kind, 0)}"
            for kind in ("reminded", "urged", "escalated", "closed", "meetings_reminded")
        )
        self.stdout.write(summary)
