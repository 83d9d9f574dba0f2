from django import template
from django.urls import reverse

from deliberation.services.notifications import absolute_url

from .. import selectors

register = template.Library()


def webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1]


@register.simple_tag
def user_feed(user) -> dict:
    """The private feed addresses of ``user`` (https for copying, webcal for subscribing)."""
    url = absolute_url(reverse("feed_user", kwargs={"token": user.feed_token}))
    return {"url": url, "webcal": webcal(url)}


@register.simple_tag(takes_context=True)
def meetings_url(context, community, name="meeting_list"):
    """``{% meetings_url community %}``, ``{% meetings_url community "meeting_create" %}``"""
    return selectors.meetings_url(community, name, request=context.get("request"))


@register.simple_tag(takes_context=True)
def meeting_index(context, community):
    """``{% meeting_index community as index_page %}``: the page whose introduction the list shows."""
    return selectors.meeting_index_for(community, request=context.get("request"))
