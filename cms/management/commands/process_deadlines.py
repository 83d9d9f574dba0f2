"""Every ten minutes, from cron or a systemd timer: ``python manage.py process_deadlines --enqueue``
queues the deadlines task for the task worker; without ``--enqueue`` it runs here. Safe to run twice.

One scheduler entry for everything time-driven: request reminders, urges, escalations and
automatic closing, the 24-hour reminder of meetings, and the outbox's sweep. Each request and each
meeting is handled in its own transaction: one that fails is logged and stays due, and the others
still run.
"""

from django.core.management.base import BaseCommand

from cms.tasks import COUNTS, deadlines_run, process_deadlines


class Command(BaseCommand):
    help = (
        "Send due-date reminders and overdue urges, escalate long-overdue requests, close unevaluated "
        "ones, remind meeting participants 24 hours before a meeting, and queue due deliveries again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the work for the task worker instead of running it here.",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = process_deadlines.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        counts = deadlines_run()
        if counts.get("failed"):
            self.stderr.write(f"{counts['failed']} request(s) failed and stay due; see the log.")
        self.stdout.write(", ".join(f"{kind}={counts.get(kind, 0)}" for kind in COUNTS))
