from django import template

from ..sharing import request_share as _request_share

register = template.Library()


@register.simple_tag
def request_share(obj):
    """``{% request_share obj as share %}{% share_meta share %}``: the request's share card."""
    return _request_share(obj)
