"""The header's links to each person's own pages (``selectors.nav_links_for``)."""

from django.utils.functional import SimpleLazyObject

from .selectors import nav_links_for


def nav(request):
    """``nav_links``: asked only when a template shows it (mail and fragments never pay for it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    return {"nav_links": SimpleLazyObject(lambda: nav_links_for(user))}
