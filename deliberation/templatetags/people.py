"""``{% load people %}``: templates show people only through the public-name rule (deliberation.people)."""

from django import template
from django.contrib.auth.models import AnonymousUser

from .. import people
from ..models import Household, Membership

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


@register.simple_tag(takes_context=True)
def community_people(context, community):
    """``{% community_people page as people %}``: the community page's figures and the reader's
    own membership (the page model in ``cms`` does not know deliberation's models)."""
    user = _viewer(context)
    return {
        "household_count": Household.objects.for_community(community).count(),
        "member_count": Membership.objects.for_community(community).approved().count(),
        "my_membership": (
            Membership.objects.filter(community=community, user=user).first()
            if user.is_authenticated
            else None
        ),
    }
