"""The live meeting page, its console and the printed minutes.

Every console form posts to a small ``LiveAction`` (``cms.views.ServiceActionView``) that checks
the permission and calls the same service as the WebSocket consumer, with the same arguments, so
the page works without JavaScript.
"""

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.qr import qr_svg
from cms.views import PermissionView, ServiceActionView
from deliberation.models import Owner

from ..forms import live as forms
from ..models import Action as ActionModel
from ..models import Choice, Meeting, MinuteEntry, Motion, Party
from ..selectors import minutes_context, motions_with_tallies
from ..services import NotFound, checkin
from ..services import minutes as minutes_services
from ..services import motions as motion_services
from ..voting import CHOICES
from .common import NOT_PUBLIC, MeetingMixin


def labels() -> dict:
    """Display names for the codes events carry, in the viewer's language (for live.js)."""
    return {
        "kinds": dict(MinuteEntry.Kind.choices),
        "parties": dict(Party.choices),
        "choices": dict(Choice.choices),
        "rules": dict(Motion.Rule.choices),
        "matters": dict(Motion.Matter.choices),
        "action_status": dict(ActionModel.Status.choices),
        "text": {
            "connected": _("Live: updates arrive as they happen."),
            "connecting": _("Connecting…"),
            "reconnecting": _("Connection lost; reconnecting…"),
            "offline": _("Offline: showing the state when the page loaded."),
            "quorum_ok": _("Quorum reached: all four parties present."),
            "quorum_missing": _("Quorum not reached. Missing:"),
            "present": _("present"),
            "absent": _("absent"),
            "current": _("current item"),
            "open": _("Open"),
            "closed": _("Closed"),
            "close_vote": _("Close the vote"),
            # Asked before what cannot be undone (live.js asks with window.confirm).
            "confirm_close_vote": _(
                "Close this vote now? No more ballots can be cast and this cannot be undone. "
                "Everyone on the live page sees the result."
            ),
            "confirm_close_meeting": _(
                "Close the meeting and seal the minutes now? Nothing can be added or changed afterwards."
            ),
            "your_vote": _("Your vote"),
            "vote_recorded": _("Your vote was recorded."),
            "saved": _("Saved."),
            "meeting_closed": _(
                "The meeting is closed and the minutes are final. Reload for the verified minutes."
            ),
            "meeting_started": _("The meeting has started."),
            "resolution": _("Resolution"),
            "agenda_item": _("Agenda item"),
            "no_item": _("none"),
        },
    }


class MeetingLive(MeetingMixin, PermissionView):
    permission_required = "meetings.view_live"
    permission_denied_message = NOT_PUBLIC
    allow_anonymous = True

    def get(self, request, meeting_id):
        meeting = self.meeting
        user = request.user
        context = minutes_context(meeting)
        state = context["state"]
        # The agenda, read once: the page lists it and its forwarding card quotes the first items.
        prefetch_related_objects([meeting], "agenda_items")
        can_keep = user.has_perm("meetings.keep_minutes", meeting)
        can_chair = user.has_perm("meetings.chair_meeting", meeting)
        motions = motions_with_tallies(meeting, user)
        owners = []
        if can_keep and any(m.is_open and m.rule == Motion.Rule.CIVIL_CODE_278 for m in motions):
            owners = Owner.objects.for_community(meeting.community).select_related("household__building")
        # The door's QR code, for whoever may check people in, while check-in is possible.
        checkin_url = ""
        if user.has_perm("meetings.show_checkin_qr", meeting) and meeting.allows("prepare_live"):
            checkin_url = checkin.checkin_url(meeting=meeting)
        context.update(
            {
                "meeting": meeting,
                "state": state,
                "checkin_url": checkin_url,
                "checkin_qr": qr_svg(checkin_url, fluid=True) if checkin_url else "",
                "agenda": list(meeting.agenda_items.all()),
                "motions": motions,
                "can_keep": can_keep,
                "can_chair": can_chair,
                "can_vote": user.has_perm("meetings.cast_ballot", meeting),
                "vote_rules": [
                    rule
                    for rule in Motion.Rule.values
                    if user.has_perm("meetings.cast_ballot", Motion(meeting=meeting, rule=rule))
                ],
                "can_check_in_self": user.has_perm("meetings.check_in_self", meeting),
                "running": meeting.status == Meeting.Status.IN_PROGRESS and not state.is_finalised,
                "entry_form": forms.MinuteEntryForm(),
                "motion_form": forms.MotionForm(meeting=meeting, current_item_id=state.current_item_id),
                "checkin_form": forms.CheckInCodeForm(),
                "proxy_form": forms.ProxyForm(owners=owners) if owners else None,
                "choices": CHOICES,
                "labels": labels(),
                "client_id": forms.ClientIdMixin().initial["client_id"],
            }
        )
        return render(request, "meetings/live.html", context)


meeting_live = MeetingLive.as_view()


class LiveAction(MeetingMixin, ServiceActionView):
    """A console form of the live page; every outcome goes back to the page, at ``anchor``."""

    anchor = ""

    def get_success_url(self):
        return reverse("meeting_live", args=[self.meeting.pk]) + self.anchor

    def client_id(self) -> str:
        return self.request.POST.get("client_id", "")[:64]

    def motion_or_404(self):
        """A form that does not validate is still a 404 for a motion of another meeting."""
        try:
            motion_services.motion_in(meeting=self.meeting, motion_id=self.kwargs["motion_id"])
        except NotFound:
            raise Http404 from None


class LiveStart(LiveAction):
    """Start the meeting; far from its scheduled time the chair first answers the service's question."""

    permission_required = "meetings.chair_meeting"
    success_message = gettext_lazy("The meeting has started.")

    def perform(self, form):
        return minutes_services.meeting_start(
            meeting=self.meeting, by=self.request.user, confirm=self.request.POST.get("confirm") == "yes"
        )

    def refused(self, error, form):
        if isinstance(error, minutes_services.StartNeedsConfirmation):
            return render(
                self.request,
                "meetings/meeting_start_confirm.html",
                {"meeting": self.meeting, "question": error.message},
            )
        return super().refused(error, form)


live_start = LiveStart.as_view()


class ConfirmFirst:
    """For a console action that cannot be undone: a post without ``confirm=yes`` answers a page
    that asks (for a browser without JavaScript; live.js asks with a dialog in the same words and
    adds ``confirm=yes``, and the WebSocket path is asked before it sends)."""

    confirm_question = ""
    confirm_button = ""

    def post(self, request, *args, **kwargs):
        if request.POST.get("confirm") != "yes":
            return render(
                request,
                "meetings/live_confirm.html",
                {
                    "meeting": self.meeting,
                    "heading": self.confirm_button,
                    "question": labels()["text"][self.confirm_question],
                    "button": self.confirm_button,
                    "action": request.path,
                    "back_anchor": self.anchor,
                },
            )
        return super().post(request, *args, **kwargs)


class LiveClose(ConfirmFirst, LiveAction):
    """Close the meeting and seal the minutes."""

    permission_required = "meetings.chair_meeting"
    success_message = gettext_lazy("The meeting is closed and the minutes are final.")
    confirm_question = "confirm_close_meeting"
    confirm_button = gettext_lazy("Yes, close the meeting and seal the minutes")

    def perform(self, form):
        return minutes_services.meeting_close(meeting=self.meeting, by=self.request.user)


live_close = LiveClose.as_view()


class LiveEntryAdd(LiveAction):
    permission_required = "meetings.keep_minutes"
    anchor = "#minutes"
    form_class = forms.MinuteEntryForm
    invalid_message = gettext_lazy("Write the entry's text.")

    def perform(self, form):
        return minutes_services.minute_add(meeting=self.meeting, by=self.request.user, **form.cleaned_data)


live_entry_add = LiveEntryAdd.as_view()


class LiveAgendaNext(LiveAction):
    permission_required = "meetings.keep_minutes"
    anchor = "#agenda"

    def perform(self, form):
        return minutes_services.agenda_advance(
            meeting=self.meeting, by=self.request.user, client_id=self.client_id()
        )


live_agenda_next = LiveAgendaNext.as_view()


class LiveCheckIn(LiveAction):
    permission_required = "meetings.keep_minutes"
    anchor = "#attendance"
    form_class = forms.CheckInForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "meeting": self.meeting}

    def get_invalid_message(self, form):
        return form.errors["participant"][0]

    def perform(self, form):
        return minutes_services.attendance_check_in(
            meeting=self.meeting, participant_id=form.cleaned_data["participant"].pk, by=self.request.user
        )


live_check_in = LiveCheckIn.as_view()


class LiveCheckInSelf(LiveAction):
    permission_required = "meetings.check_in_self"
    permission_denied_message = gettext_lazy("Only invited participants can check in.")
    anchor = "#attendance"
    form_class = forms.CheckInCodeForm
    success_message = gettext_lazy("You are checked in.")

    def form_invalid(self, form):
        return HttpResponseRedirect(self.get_success_url())

    def perform(self, form):
        return minutes_services.attendance_self_check_in(
            meeting=self.meeting, user=self.request.user, **form.cleaned_data
        )


live_check_in_self = LiveCheckInSelf.as_view()


class LiveMotionOpen(LiveAction):
    permission_required = "meetings.chair_meeting"
    anchor = "#motions"
    form_class = forms.MotionForm
    invalid_message = gettext_lazy("Write the motion, choose its rule and the agenda item it decides.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "meeting": self.meeting}

    def perform(self, form):
        data = dict(form.cleaned_data)
        item = data.pop("agenda_item")
        return motion_services.motion_open(
            meeting=self.meeting,
            by=self.request.user,
            agenda_item_id=item.pk if item is not None else None,
            **data,
        )


live_motion_open = LiveMotionOpen.as_view()


class LiveMotionClose(ConfirmFirst, LiveAction):
    permission_required = "meetings.chair_meeting"
    anchor = "#motions"
    confirm_question = "confirm_close_vote"
    confirm_button = gettext_lazy("Yes, close the vote")

    def perform(self, form):
        return motion_services.motion_close(
            meeting=self.meeting,
            motion_id=self.kwargs["motion_id"],
            by=self.request.user,
            client_id=self.client_id(),
        )


live_motion_close = LiveMotionClose.as_view()


class LiveBallotCast(LiveAction):
    """The same service as the socket's ballot, with the same arguments."""

    permission_required = "meetings.cast_ballot"
    permission_denied_message = gettext_lazy("You do not vote in this meeting.")
    anchor = "#motions"
    form_class = forms.BallotForm
    success_message = gettext_lazy("Your vote was recorded.")

    def form_invalid(self, form):
        self.motion_or_404()
        return HttpResponseRedirect(self.get_success_url())

    def perform(self, form):
        return motion_services.ballot_cast(
            meeting=self.meeting,
            motion_id=self.kwargs["motion_id"],
            by=self.request.user,
            **form.cleaned_data,
        )


live_ballot_cast = LiveBallotCast.as_view()


class LiveBallotProxy(LiveAction):
    permission_required = "meetings.keep_minutes"
    anchor = "#motions"
    form_class = forms.ProxyForm
    invalid_message = gettext_lazy("Choose the owner, the vote and the proxy holder.")
    success_message = gettext_lazy("The written proxy ballot was recorded.")

    def get_form_kwargs(self):
        owners = Owner.objects.for_community(self.meeting.community).select_related("household__building")
        return {**super().get_form_kwargs(), "owners": owners}

    def form_invalid(self, form):
        self.motion_or_404()
        return super().form_invalid(form)

    def perform(self, form):
        data = dict(form.cleaned_data)
        return motion_services.ballot_record_proxy(
            meeting=self.meeting,
            motion_id=self.kwargs["motion_id"],
            by=self.request.user,
            owner_id=data.pop("owner"),
            **data,
        )


live_ballot_proxy = LiveBallotProxy.as_view()


class MinutesPrint(MeetingMixin, PermissionView):
    permission_required = "meetings.view_live"
    permission_denied_message = NOT_PUBLIC
    allow_anonymous = True

    def get(self, request, meeting_id):
        meeting = self.meeting
        context = minutes_context(meeting)
        context.update({"meeting": meeting, "motions": motions_with_tallies(meeting)})
        return render(request, "meetings/minutes_print.html", context)


minutes_print = MinutesPrint.as_view()
