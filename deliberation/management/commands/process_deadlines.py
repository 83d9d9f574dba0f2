"""Run from cron every few minutes: ``python manage.py process_deadlines``. Safe to run twice."""

from django.core.management.base import BaseCommand

from deliberation.services.deadlines import deadlines_process


class Command(BaseCommand):
    help = (
        "Send due-date reminders and overdue urges, escalate long-overdue requests, close unevaluated ones."
    )

    def handle(self, *args, **options):
        counts = deadlines_process()
        summary = ", ".join(
            f"{kind}={counts.get(kind, 0)}" for kind in ("reminded", "urged", "escalated", "closed")
        )
        self.stdout.write(summary)
