"""长辈模式's block of big buttons: the main actions first, in plain words (includes/elderly_actions.html)."""

from django import template

from cms.models import CommunityPage

from ..models import Membership

register = template.Library()


@register.inclusion_tag("includes/elderly_actions.html", takes_context=True)
def elderly_actions(context, community=None):
    """The actions for ``community``, or on the home page the person's own community (their
    first verified membership, or the site's only one). Outside the mode it renders nothing
    and asks the database nothing."""
    request = context.get("request")
    if not getattr(request, "elderly_mode", False):
        return {"shown": False}
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    if community is None and signed_in:
        membership = (
            Membership.objects.approved().filter(user=user).select_related("community").order_by("pk").first()
        )
        community = membership.community if membership is not None else None
    if community is None:  # a site of one community: its actions; else the list of communities
        communities = list(CommunityPage.objects.live().public()[:2])
        community = communities[0] if len(communities) == 1 else None
    return {
        "request": request,
        "community": community,
        "signed_in": signed_in,
        "can_submit": community is not None
        and (not signed_in or user.has_perm("deliberation.submit_request", community)),
        "shown": True,
    }
