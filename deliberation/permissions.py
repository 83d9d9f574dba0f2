"""The reachability rule views share: an unpublished community's pages do not exist for the public.

Permission checks themselves follow the site's one view pattern (``cms.views``, built on
``rules.contrib.views``).
"""

from django.http import Http404
from django.utils.translation import gettext as _


def require_reachable(user, obj):
    """``obj`` (a community, or anything of one) or a 404: an unpublished community's pages do not
    exist for the public, only for its workers and site admins (``deliberation.reach_community``)."""
    if not user.has_perm("deliberation.reach_community", obj):
        raise Http404(_("No such page."))
    return obj
