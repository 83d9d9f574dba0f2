from django import template
from django.urls import reverse

from deliberation.services.notifications import absolute_url

register = template.Library()


def webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1]


@register.simple_tag
def user_feed(user) -> dict:
    """The private feed addresses of ``user`` (https for copying, webcal for subscribing)."""
    url = absolute_url(reverse("feed_user", kwargs={"token": user.feed_token}))
    return {"url": url, "webcal": webcal(url)}
