"""``{% load people %}``: templates show people only through the public-name rule (deliberation.people)."""

from django import template
from django.contrib.auth.models import AnonymousUser

from .. import people

register = template.Library()


def _viewer(context):
    """Who reads the page or the mail: ``viewer`` if given, else ``user`` (the signed-in person on
    a page, the recipient in a notice), else the public."""
    return context.get("viewer") or context.get("user") or AnonymousUser()


@register.simple_tag(takes_context=True)
def person_name(context, person, request=None, community=None):
    """``{% person_name event.by request=obj %}``"""
    return people.public_name(person, viewer=_viewer(context), request=request, community=community)


@register.simple_tag(takes_context=True)
def requester_name(context, request):
    return people.requester_name(request, viewer=_viewer(context))


@register.simple_tag(takes_context=True)
def requester_phone(context, request):
    return people.requester_phone(request, viewer=_viewer(context))
