"""``{% load phones %}``: ``{{ number|phone }}`` shows a stored number as people read it
(138 0013 8000), ``{{ number|tel }}`` is the ``tel:`` link's target (E.164)."""

from django import template

from ..phones import as_e164, display_phone

register = template.Library()


@register.filter
def phone(value) -> str:
    return display_phone(value)


@register.filter
def tel(value) -> str:
    """E.164 for a number that can be read, else the text as stored (the link may still work)."""
    return as_e164(value) or str(value or "").strip()
