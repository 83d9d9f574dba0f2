"""The header of each page: the person's links and unread notices (``selectors.header_for``)."""

from django.utils.functional import SimpleLazyObject

from .selectors import Header, header_for


def nav(request):
    """``site_header``: asked only when a template shows it (mail and fragments never pay for it), in
    two queries."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"site_header": Header(links=[])}
    return {"site_header": SimpleLazyObject(lambda: header_for(user))}
