"""The meetings list's old URLs (``/communities/<id>/meetings/`` and ``…/new/``) moved below the
community's meetings page: a permanent redirect there (``cms.views.moved_permanently``). An
unknown id, or a community the visitor may not reach: 404."""

from django.http import Http404

from cms.views import moved_permanently
from deliberation.views.common import community_from_url

from ..selectors import meeting_index_for


def meetings_moved(request, community_id, rest=""):
    page = meeting_index_for(community_from_url(request, community_id), request=request)
    if page is None:
        raise Http404
    return moved_permanently(request, (page.get_url(request) or "") + rest)
