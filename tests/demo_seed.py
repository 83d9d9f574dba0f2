"""One ``seed_demo`` for all the tests that read the demo (the ``seeded_demo`` fixture, tests/conftest.py).

Seeding takes seconds; the tests that only read the demo (or change it and expect it back) share
one seeded database: ``seed_demo`` runs twice inside one outer transaction (the second run must
change nothing, and ``first`` keeps a snapshot taken between the two), each test runs in a
savepoint inside it as usual, and the outer transaction is rolled back as soon as the next test
does not use the demo (``tests/conftest.py`` keeps those tests next to each other, and on one
pytest-xdist worker through the ``xdist_group`` "demo").
"""

from dataclasses import dataclass, field
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.db import transaction


def snapshot():
    """Every row of every project model, so a second run that changes anything is caught."""
    data = {}
    for app in ("cms", "deliberation", "meetings"):
        for model in apps.get_app_config(app).get_models():
            data[model._meta.label] = sorted(
                tuple(sorted((k, str(v)) for k, v in row.items() if k not in {"last_login"}))
                for row in model.objects.values()
            )
    return data


@dataclass
class SeededDemo:
    """The demo seeded twice in an outer transaction that ``close`` rolls back."""

    blocker: object
    first: dict = field(default_factory=dict)  # the snapshot between the two runs
    _atomic: object = None

    @property
    def is_open(self) -> bool:
        return self._atomic is not None

    def open(self) -> "SeededDemo":
        if self._atomic is not None:
            return self
        with self.blocker.unblock():
            atomic = transaction.atomic()
            # A block of the test run, as TestCase marks its own: a service's durable block nests.
            atomic._from_testcase = True
            atomic.__enter__()
            self._atomic = atomic
            call_command("seed_demo", stdout=StringIO())
            self.first = snapshot()
            call_command("seed_demo", stdout=StringIO())
        return self

    def close(self) -> None:
        if self._atomic is None:
            return
        atomic, self._atomic = self._atomic, None
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
