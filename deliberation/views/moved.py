"""The hall's old URLs (``/communities/<id>/hall/…``, ``/requests/<ref>/…``) moved below the
community's hall page: they answer a permanent redirect to the same screen there, keeping the
rest of the path and the query string (``cms.views.moved_permanently``). An unknown id or ref, or
a community the visitor may not reach, is a 404."""

from django.http import Http404

from cms.views import moved_permanently

from ..selectors import hall_page_for, request_community_id
from .common import community_from_url


def _moved(request, community, rest: str):
    page = hall_page_for(community, request=request)
    if page is None:
        raise Http404
    return moved_permanently(request, (page.get_url(request) or "") + rest)


def hall_moved(request, community_id, rest=""):
    return _moved(request, community_from_url(request, community_id), rest)


def request_moved(request, ref, action=""):
    community_id = request_community_id(ref)
    if community_id is None:
        raise Http404
    rest = f"requests/{ref}/{action}/" if action else f"requests/{ref}/"
    return _moved(request, community_from_url(request, community_id), rest)
