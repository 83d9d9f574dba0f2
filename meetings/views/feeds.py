"""Calendars: one meeting's .ics, a person's private feed (by its token) and a community's public one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.views import PermissionView
from deliberation.models import User
from deliberation.views.common import community_from_url

from .. import ical, mail
from ..models import Meeting, Participant
from ..services import feeds
from .common import MEMBERS_ONLY, MeetingMixin

CALENDAR = "text/calendar; charset=utf-8"


def _feed_bytes(meetings, *, name: str, with_attendees: bool = False) -> bytes:
    """Public calendars list no attendees and name the organiser without an address: addresses
    are for the participants only (a person's private feed, ``with_attendees``)."""
    entries = [
        ical.FeedEntry(
            meeting=m,
            participants=list(m.participants.all()) if with_attendees else [],
            agenda=list(m.agenda_items.all()),
            url=mail.meeting_url(m),
        )
        for m in meetings
    ]
    return ical.feed(
        entries,
        name=name,
        organizer_of=mail.organizer_of if with_attendees else mail.public_organizer_of,
        dtstamp=timezone.now(),
        labels=mail.ical_labels(),
    )


def _feed_queryset(qs):
    return (
        qs.with_time()
        .select_related("convener", "community")
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.select_related("user")), "agenda_items"
        )
        .order_by("starts_at")
    )


def feed_user(request, token):
    """A private feed of one person's meetings. The token is the only key: regenerating it revokes
    the old address at once."""
    user = User.objects.filter(feed_token=token, is_active=True).first()
    if user is None:
        raise Http404(_("No such calendar."))
    meetings = _feed_queryset(Meeting.objects.filter(participants__user=user).distinct())
    data = _feed_bytes(meetings, name=_("My meetings"), with_attendees=True)
    return HttpResponse(data, content_type=CALENDAR)


def feed_community(request, community_id):
    community = community_from_url(request, community_id)
    # What an anonymous visitor may see (Meeting.objects.visible_to): the public meetings past the draft.
    meetings = _feed_queryset(Meeting.objects.visible_to(AnonymousUser(), community))
    data = _feed_bytes(meetings, name=_("Meetings of %(community)s") % {"community": community.title})
    return HttpResponse(data, content_type=CALENDAR)


@require_POST
@login_required
def feed_regenerate(request):
    feeds.feed_token_regenerate(user=request.user)
    messages.success(request, _("Your calendar has a new address. The old one no longer works."))
    return redirect("profile")


class MeetingIcs(MeetingMixin, PermissionView):
    """ "Add to calendar": the meeting as a published event (no METHOD), not an invitation."""

    permission_required = "meetings.view_meeting"
    permission_denied_message = MEMBERS_ONLY
    allow_anonymous = True

    def get(self, request, meeting_id):
        meeting = self.meeting
        if meeting.starts_at is None:
            raise Http404(_("This meeting has no fixed time yet."))
        data = _feed_bytes([meeting], name=meeting.title)
        response = HttpResponse(data, content_type=CALENDAR)
        response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
        return response


meeting_ics = MeetingIcs.as_view()
