"""Times people read in the minutes and on the live page: Beijing time (Asia/Shanghai), with the
date, whatever the server's ``TIME_ZONE`` or the viewer's device says.

The communities are all in China and the printed minutes are a record that must read the same
everywhere, so the zone is the meetings' own (``ical.TZ``), not the request's or the browser's.
Live events carry the formatted string, so live.js shows exactly what the server prints.
"""

from django.utils import timezone

from .ical import TZ, TZID

__all__ = ["TZ", "TZID", "format_datetime", "local"]


def local(value):
    """``value`` (an aware datetime) in Asia/Shanghai; ``None`` stays ``None``."""
    return timezone.localtime(value, TZ) if value is not None else None


def format_datetime(value) -> str:
    """``2026-12-05 14:03`` in Asia/Shanghai (the same in every language); ``""`` for ``None``."""
    return f"{local(value):%Y-%m-%d %H:%M}" if value is not None else ""
