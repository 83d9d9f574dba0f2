"""The objects a URL names, loaded once per request and checked reachable.

An unpublished community's pages do not exist for the public (404), only for its workers and site
admins (``deliberation.reach_community``). Meetings' views use the same lookups.
"""

from django.shortcuts import get_object_or_404

from cms.models import CommunityPage, StreetOfficePage

from ..models import Membership
from ..permissions import require_reachable
from ..selectors import remembered_community


def community_from_url(request, community_id, **_kwargs):
    """Every ``/communities/<id>/...`` page loads its community here; a route of the hall's or the
    meetings' page finds it read already, by the routing (``selectors.remember_community``)."""
    community = remembered_community(request, community_id)
    if community is None:
        community = get_object_or_404(CommunityPage, pk=community_id)
    return require_reachable(request.user, community)


def membership_from_url(request, community_id, membership_id, **_kwargs):
    return require_reachable(
        request.user,
        get_object_or_404(
            Membership.objects.select_related("community", "user"),
            pk=membership_id,
            community_id=community_id,
        ),
    )


def street_from_url(street_id):
    return get_object_or_404(StreetOfficePage.objects.live(), pk=street_id)
