"""Convening a meeting: its page, participants, agenda, time poll, invitations, RSVP and
signed-link answers. Each view is a ``cms.views`` pattern: a permission on the meeting (or the
community), one service, a message and the way back to the meeting's page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.services import ServiceError
from cms.views import PermissionView, ServiceActionView, ServiceFormView
from deliberation.services.notifications import absolute_url
from deliberation.views.common import community_from_url

from .. import mail
from ..forms.convening import (
    AgendaFromRequestsForm,
    AgendaItemForm,
    CancelForm,
    MeetingForm,
    ParticipantForm,
    PollFixForm,
    PollOpenForm,
    ScheduleForm,
    parse_poll_answers,
)
from ..models import AgendaItem, Meeting, Participant, Party, SlotAnswer, participant_for
from ..selectors import audience_sentence, meeting_audience, participant_notices
from ..services import convening, polls, rsvp
from ..signing import LinkExpired, LinkInvalid, participant_from_token
from ..templatetags.meetings_tags import webcal
from .common import MEMBERS_ONLY, MeetingMixin


def _detail_url(meeting) -> str:
    return reverse("meeting_detail", kwargs={"meeting_id": meeting.pk})


def _detail(meeting):
    return redirect(_detail_url(meeting))


def meeting_list(request, community_id):
    community = community_from_url(request, community_id)
    meetings = Meeting.objects.visible_to(request.user, community).order_by("-starts_at", "-id")
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "community": community,
            "meetings": meetings,
            "can_convene": request.user.has_perm("meetings.convene_meeting", community),
            "feed_url": absolute_url(reverse("feed_community", kwargs={"community_id": community.pk})),
            "webcal_url": _webcal(reverse("feed_community", kwargs={"community_id": community.pk})),
        },
    )


class MeetingCreate(ServiceFormView):
    permission_required = "meetings.convene_meeting"
    template_name = "meetings/meeting_form.html"
    form_class = MeetingForm
    success_message = gettext_lazy(
        "The meeting is saved as a draft. Now add participants of all four parties."
    )

    def get_object(self):
        return community_from_url(self.request, **self.kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(community=self.object, meeting=None, **kwargs)

    def perform(self, form):
        return convening.meeting_create(community=self.object, by=self.request.user, **form.cleaned_data)

    def done(self, meeting):
        return _detail(meeting)


meeting_create = MeetingCreate.as_view()


class MeetingEdit(MeetingMixin, ServiceFormView):
    permission_required = "meetings.change_meeting"
    template_name = "meetings/meeting_form.html"
    success_message = gettext_lazy("The meeting is saved.")

    def get_form(self, form_class=None):
        return MeetingForm.for_meeting(
            self.meeting, self.request.POST if self.request.method == "POST" else None
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(community=self.meeting.community, meeting=self.meeting, **kwargs)

    def perform(self, form):
        return convening.meeting_update(meeting=self.meeting, by=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return _detail_url(self.meeting)


meeting_edit = MeetingEdit.as_view()


def _parties(meeting):
    participants = list(meeting.participants.select_related("user"))
    return [
        {"party": party, "participants": [p for p in participants if p.party == party.value]}
        for party in Party
    ], participants


class MeetingDetail(MeetingMixin, PermissionView):
    permission_required = "meetings.view_meeting"
    permission_denied_message = MEMBERS_ONLY
    allow_anonymous = True

    def get(self, request, meeting_id):
        meeting = self.meeting
        parties, participants = _parties(meeting)
        me = participant_for(meeting, request.user, among=participants)
        # The agenda, read once: the page lists it and its forwarding card quotes the first items.
        prefetch_related_objects(
            [meeting], Prefetch("agenda_items", queryset=AgendaItem.objects.prefetch_related("requests"))
        )
        can_change = request.user.has_perm("meetings.change_meeting", meeting)
        if can_change:
            # Whether each notice reached each participant: for who manages the meeting only.
            notices = participant_notices(meeting=meeting)
            for participant in participants:
                participant.notices = notices.get(participant.pk, [])
        poll = polls.poll_table(meeting) if meeting.status == Meeting.Status.POLLING else None
        context = {
            "meeting": meeting,
            "community": meeting.community,
            "parties": parties,
            "missing_parties": [row["party"] for row in parties if not row["participants"]],
            "agenda": list(meeting.agenda_items.all()),
            "me": me,
            "can_change": can_change and meeting.is_open_for_changes,
            "show_deliveries": can_change,
            "delivery_next": f"{request.path}#parties",
            "can_retry": can_change
            and request.user.has_perm("deliberation.retry_delivery", meeting.community),
            "can_cancel": request.user.has_perm("meetings.cancel_meeting", meeting)
            and meeting.is_open_for_changes,
            "when": mail.format_when(meeting.starts_at, meeting.ends_at),
            "poll": poll,
            "my_answers": _answers_of(poll, me),
            "answer_choices": SlotAnswer.Answer.choices,
            "agenda_actions": [("up", _("Up")), ("down", _("Down")), ("remove", _("Remove"))],
            "live_url": f"/meetings/{meeting.pk}/live/",
            "webcal_community": _webcal(
                reverse("feed_community", kwargs={"community_id": meeting.community_id})
            ),
            "webcal_mine": _webcal(reverse("feed_user", kwargs={"token": request.user.feed_token}))
            if request.user.is_authenticated
            else "",
        }
        if context["can_change"]:
            context.update(
                participant_form=ParticipantForm(community=meeting.community),
                agenda_form=AgendaItemForm(),
                schedule_form=ScheduleForm(
                    initial={"starts_at": meeting.starts_at, "ends_at": meeting.ends_at}
                ),
                poll_form=PollOpenForm() if meeting.status == Meeting.Status.DRAFT else None,
                cancel_form=CancelForm(),
                suggested_requests=list(convening.suggested_requests(meeting)),
                told=audience_sentence(meeting_audience(meeting, participants)),
            )
        return render(request, "meetings/meeting_detail.html", context)


meeting_detail = MeetingDetail.as_view()


def _answers_of(poll, participant) -> dict:
    if poll is None or participant is None:
        return {}
    return {slot_id: a for (slot_id, pid), a in poll.answers.items() if pid == participant.pk}


def _webcal(path: str) -> str:
    return webcal(absolute_url(path))


class MeetingAction(MeetingMixin, ServiceActionView):
    """A convener's change to the meeting, posted from its page; every outcome goes back there."""

    permission_required = "meetings.change_meeting"

    def get_success_url(self):
        return _detail_url(self.meeting)


class ParticipantAdd(MeetingAction):
    form_class = ParticipantForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "community": self.meeting.community}

    def get_invalid_message(self, form):
        return _("Check the participant's details: %(errors)s") % {
            "errors": "; ".join(str(e) for errors in form.errors.values() for e in errors)
        }

    def perform(self, form):
        data = form.cleaned_data
        return convening.participant_add(
            meeting=self.meeting,
            by=self.request.user,
            user=data["member"],
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            party=data["party"],
            role=data["role"],
            votes=data["votes"],
            language=data["language"],
        )

    def get_success_message(self, participant):
        return _("%(name)s was added.") % {"name": participant.name}


participant_add = ParticipantAdd.as_view()


class ParticipantRemove(MeetingAction):
    def perform(self, form):
        self.participant = get_object_or_404(
            Participant, pk=self.kwargs["participant_id"], meeting=self.meeting
        )
        convening.participant_remove(participant=self.participant, by=self.request.user)

    def get_success_message(self, result):
        return _("%(name)s was removed.") % {"name": self.participant.name}


participant_remove = ParticipantRemove.as_view()


class AgendaAdd(MeetingAction):
    form_class = AgendaItemForm
    invalid_message = gettext_lazy("Give the agenda item a title.")

    def perform(self, form):
        return convening.agenda_item_add(meeting=self.meeting, by=self.request.user, **form.cleaned_data)


agenda_add = AgendaAdd.as_view()


class AgendaFromRequests(MeetingAction):
    """Put the ticked requests on the agenda, one item each; they move to "on the agenda"."""

    form_class = AgendaFromRequestsForm
    success_message = gettext_lazy("The requests are on the agenda; their requesters were told.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "meeting": self.meeting}

    def get_invalid_message(self, form):
        return form.errors["request"][0]

    def perform(self, form):
        return convening.agenda_items_from_requests(
            meeting=self.meeting, by=self.request.user, requests=list(form.cleaned_data["request"])
        )


agenda_from_requests = AgendaFromRequests.as_view()


class AgendaChange(MeetingAction):
    def perform(self, form):
        item = get_object_or_404(AgendaItem, pk=self.kwargs["item_id"], meeting=self.meeting)
        if self.kwargs["action"] == "remove":
            return convening.agenda_item_remove(item=item, by=self.request.user)
        offset = -1 if self.kwargs["action"] == "up" else 1
        return convening.agenda_item_move(item=item, by=self.request.user, offset=offset)


agenda_change = AgendaChange.as_view()


class MeetingSchedule(MeetingAction):
    """Fix the time and send the invitations (or, on a scheduled meeting, the update)."""

    form_class = ScheduleForm
    invalid_message = gettext_lazy("Give a start and an end.")
    success_message = gettext_lazy(
        "The invitations are on their way: the participants list shows when each one arrives."
    )

    def perform(self, form):
        return convening.meeting_schedule(meeting=self.meeting, by=self.request.user, **form.cleaned_data)


meeting_schedule = MeetingSchedule.as_view()


class PollOpen(MeetingAction):
    form_class = PollOpenForm
    invalid_message = gettext_lazy("Check the candidate times.")
    success_message = gettext_lazy("The time poll is open; every participant was asked to answer.")

    def perform(self, form):
        return polls.poll_open(meeting=self.meeting, by=self.request.user, slots=form.slots())


poll_open = PollOpen.as_view()


class PollFix(MeetingAction):
    form_class = PollFixForm
    success_message = gettext_lazy(
        "The time is fixed and the invitations are on their way: the participants list shows when each one arrives."
    )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "meeting": self.meeting}

    def get_invalid_message(self, form):
        return form.errors["slot"][0]

    def perform(self, form):
        return polls.poll_fix(meeting=self.meeting, slot=form.cleaned_data["slot"], by=self.request.user)


poll_fix = PollFix.as_view()


class OwnAnswer(MeetingAction):
    """A participant answers for themselves. Superusers pass every rules check, but only a
    participant can answer for themselves."""

    def participant(self) -> Participant:
        participant = participant_for(self.meeting, self.request.user)
        if participant is None:
            raise PermissionDenied(_("Only the meeting's participants answer for themselves."))
        return participant


class PollAnswer(OwnAnswer):
    permission_required = "meetings.answer_poll"
    success_message = gettext_lazy("Your answers are saved.")

    def perform(self, form):
        participant = self.participant()
        answers = parse_poll_answers(self.request.POST, self.meeting.slots.all())
        return polls.poll_answer(participant=participant, answers=answers)


poll_answer = PollAnswer.as_view()


class MeetingRsvp(OwnAnswer):
    permission_required = "meetings.rsvp_meeting"
    success_message = gettext_lazy("Your answer is saved.")

    def perform(self, form):
        participant = self.participant()
        return rsvp.participant_rsvp(participant=participant, partstat=self.request.POST.get("partstat", ""))


meeting_rsvp = MeetingRsvp.as_view()


class MeetingCancel(MeetingMixin, ServiceFormView):
    """The cancel page asks for a reason; cancelled or refused, the convener is back on the
    meeting's page with a message."""

    permission_required = "meetings.cancel_meeting"
    template_name = "meetings/meeting_cancel.html"
    form_class = CancelForm
    success_message = gettext_lazy("The meeting is cancelled; participants were told.")

    def get_context_data(self, **kwargs):
        meeting = self.meeting
        if meeting.status in (Meeting.Status.SCHEDULED, Meeting.Status.POLLING):
            told = audience_sentence(meeting_audience(meeting))
        else:  # ``meeting_cancel`` tells only those who were sent something
            told = _("Nobody is told: no invitation was sent yet.")
        return super().get_context_data(meeting=meeting, told=told, **kwargs)

    def perform(self, form):
        return convening.meeting_cancel(
            meeting=self.meeting, by=self.request.user, reason=form.cleaned_data["reason"]
        )

    def refused(self, error, form):
        messages.error(self.request, error.message)
        return self.done(None)

    def get_success_url(self):
        return _detail_url(self.meeting)


meeting_cancel = MeetingCancel.as_view()


def meeting_respond(request, token):
    """The signed link from a mail: answer the poll or RSVP without an account.

    GET only shows the page (mail scanners open links); POST records the answer.
    """
    try:
        participant = participant_from_token(token)
    except LinkExpired:
        return render(request, "meetings/link_refused.html", {"expired": True}, status=403)
    except LinkInvalid:
        return render(request, "meetings/link_refused.html", {"expired": False}, status=400)
    meeting = participant.meeting
    if request.method == "POST":
        try:
            if request.POST.get("action") == "poll":
                polls.poll_answer(
                    participant=participant, answers=parse_poll_answers(request.POST, meeting.slots.all())
                )
                messages.success(request, _("Your answers are saved."))
            else:
                rsvp.participant_rsvp(participant=participant, partstat=request.POST.get("partstat", ""))
                messages.success(request, _("Your answer is saved."))
        except ServiceError as error:
            messages.error(request, error.message)
        return redirect(request.path)
    poll = polls.poll_table(meeting) if meeting.status == Meeting.Status.POLLING else None
    return render(
        request,
        "meetings/respond.html",
        {
            "participant": participant,
            "meeting": meeting,
            "when": mail.format_when(meeting.starts_at, meeting.ends_at),
            "agenda": list(meeting.agenda_items.all()),
            "poll": poll,
            "my_answers": _answers_of(poll, participant),
            "answer_choices": SlotAnswer.Answer.choices,
            "suggested": request.GET.get("answer", ""),
            "partstats": [
                (value, label) for value, label in Participant.PartStat.choices if value != "NEEDS-ACTION"
            ],
        },
    )
