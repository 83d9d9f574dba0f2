"""What every meetings page shares: loading the object a URL names (404 for an unpublished
community, but to its workers) and the refusals of the public pages. The views are
``cms.views.PermissionView``s with these mixins."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy

from deliberation.permissions import require_reachable
from deliberation.selectors import remember_community

from ..models import Action, Meeting, Resolution


def meeting_from_url(request, meeting_id, **_kwargs):
    meeting = require_reachable(
        request.user,
        get_object_or_404(Meeting.objects.select_related("community", "convener"), pk=meeting_id),
    )
    remember_community(request, meeting.community)  # its requests' links need no other read of it
    return meeting


def resolution_from_url(request, resolution_id, **_kwargs):
    return require_reachable(
        request.user,
        get_object_or_404(
            Resolution.objects.select_related("meeting", "community", "motion", "owners_vote"),
            pk=resolution_id,
        ),
    )


def action_from_url(request, action_id, **_kwargs):
    """A resolution's follow-up action; its resolution is what permissions are asked about."""
    action = get_object_or_404(
        Action.objects.select_related(
            "resolution__meeting", "resolution__community", "resolution__owners_vote"
        ),
        pk=action_id,
    )
    require_reachable(request.user, action.resolution)
    return action


MEMBERS_ONLY = gettext_lazy("This meeting is for members of the community only.")
NOT_PUBLIC = gettext_lazy("This meeting is only open to its participants and the community's members.")


class MeetingMixin:
    """For a ``PermissionView`` under ``/meetings/<meeting_id>/``: the permission object is the meeting."""

    def get_object(self):
        return meeting_from_url(self.request, **self.kwargs)

    @property
    def meeting(self) -> Meeting:
        return self.object


class ResolutionMixin:
    """For a ``PermissionView`` under ``/resolutions/<resolution_id>/``."""

    def get_object(self):
        return resolution_from_url(self.request, **self.kwargs)

    @property
    def resolution(self) -> Resolution:
        return self.object
