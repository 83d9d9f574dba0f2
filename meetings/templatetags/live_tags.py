"""Labels for the codes stored in live events and results."""

from django import template

from ..models import MinuteEntry, Party

register = template.Library()


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
