"""Labels for the codes stored in live events and results."""

from django import template

from .. import timefmt
from ..models import MinuteEntry, Party

register = template.Library()


@register.filter
def beijing(value):
    """Date and time in Asia/Shanghai, whatever ``TIME_ZONE`` is (see ``meetings.timefmt``)."""
    return timefmt.format_datetime(value)


@register.filter
def beijing_iso(value):
    return timefmt.local(value).isoformat() if value is not None else ""


@register.filter
def party_label(code):
    try:
        return Party(code).label
    except ValueError:
        return code


@register.filter
def entry_kind_label(code):
    try:
        return MinuteEntry.Kind(code).label
    except ValueError:
        return code


@register.filter
def by_party(parties):
    """A result's per-party figures in the parties' order (a JSON column keeps no key order)."""
    parties = parties or {}
    return [(code, parties[code]) for code in Party.values if code in parties] + [
        (code, figures) for code, figures in parties.items() if code not in Party.values
    ]


@register.filter
def choice_of(choices, question_id):
    """The choice posted or stored for one question (``{"<question id>": "for"}``)."""
    return (choices or {}).get(str(question_id), "")
