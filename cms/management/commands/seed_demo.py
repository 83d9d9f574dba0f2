"""Load the demo: places and people, the deliberation hall's requests, then the meetings.

Idempotent: every object is found by its natural key before it is created, so running the
command twice leaves the same data. The accounts are listed in the README. It lives in ``cms``
because it orchestrates both apps.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from deliberation.demo import hall as hall_demo
from deliberation.demo.people import DEMO_PASSWORD, seed_accounts, seed_places
from deliberation.models import Household, User
from meetings.demo import convening as convening_demo
from meetings.demo import live as live_demo


class Command(BaseCommand):
    help = "Load demo communities, households and one account per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--send-mail",
            action="store_true",
            help="really send the notices the demo story produces (by default they only go to the inbox)",
        )

    def handle(self, *args, send_mail=False, **options):
        # The demo replays months of activity: its notices belong in the demo inboxes, not in
        # anyone's mailbox or phone. Without --send-mail they are delivered at once, to nowhere,
        # so the task worker of `make run` does not replay them; with it, the worker sends them.
        quiet = {
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "SMS_BACKEND": "deliberation.sms.backends.locmem.SmsBackend",
            "SMS_QUIET_HOURS": None,  # nothing of the story is held back for a later send
            "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        }
        with override_settings(**({} if send_mail else quiet)), transaction.atomic():
            ctx = seed_places(self.stdout)
            seed_accounts(ctx)
            hall_demo.seed(ctx)
            convening_demo.seed(ctx)
            live_demo.seed(ctx)  # a finished meeting with verified minutes, and one in progress
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {Household.objects.count()} households, {User.objects.count()} accounts "
                f"(password {DEMO_PASSWORD})."
            )
        )
