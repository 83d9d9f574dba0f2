"""The hall's URLs in templates, from the community's hall page (one query per community and page
view): ``{% hall_url community %}``, ``{% hall_url community "request_new" %}``,
``{% request_url r %}``, ``{% request_url obj "request_action" "accept" %}``."""

from django import template

from .. import selectors
from ..forms.hall import RATING_MEANINGS

register = template.Library()


@register.simple_tag(takes_context=True)
def hall_url(context, community, name="hall", *args):
    return selectors.hall_url(community, name, *args, request=context.get("request"))


@register.simple_tag(takes_context=True)
def request_url(context, obj, name="request_detail", *args):
    return selectors.request_url(obj, name, *args, request=context.get("request"))


@register.simple_tag(takes_context=True)
def hall_page(context, community):
    """``{% hall_page community as hall_page %}``: the page whose text the hall shows."""
    return selectors.hall_page_for(community, request=context.get("request"))


@register.filter
def rating_meaning(rating) -> str:
    """What a number of stars means ("满意" for 4): the words the evaluation form offered."""
    return str(RATING_MEANINGS.get(rating, ""))
