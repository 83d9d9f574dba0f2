"""The time the hall's services write: now, unless a caller replays history.

The timeline is append-only (``cms/append_only.py``), so a row's time is the one it is written
with. The services read the time here rather than from ``timezone.now()`` so that the demo can
tell a request's past as it happened (``with clock.at(three_days_ago): request_submit(...)``)
instead of moving the rows afterwards. Outside ``at()`` this is ``timezone.now()``.
"""

import datetime
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_fixed: ContextVar[datetime.datetime | None] = ContextVar("deliberation_clock", default=None)


def now() -> datetime.datetime:
    return _fixed.get() or timezone.now()


def today() -> datetime.date:
    return timezone.localdate(now())


@contextmanager
def at(moment: datetime.datetime):
    """Run the block as if it were ``moment`` (an aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("clock.at() needs an aware datetime")
    token = _fixed.set(moment)
    try:
        yield moment
    finally:
        _fixed.reset(token)
