"""Meeting pages, signed-link answers and calendar feeds. Each view checks permission and calls a service."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deliberation.models import User
from deliberation.permissions import permission_required, require_reachable
from deliberation.services.notifications import absolute_url
from deliberation.views import community_from_url

from . import ical, mail
from .forms import (
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
from .models import AgendaItem, Meeting, Participant, Party, SlotAnswer, participant_for
from .services import ServiceError, convening, feeds, polls, rsvp
from .signing import LinkExpired, LinkInvalid, participant_from_token
from .templatetags.meetings_tags import webcal

CALENDAR = "text/calendar; charset=utf-8"


def meeting_from_url(request, meeting_id, **_kwargs):
    return require_reachable(
        request.user, get_object_or_404(Meeting.objects.select_related("community", "convener"), pk=meeting_id)
    )


def viewable(view):
    """Like ``permission_required("meetings.view_meeting")``, but a public meeting needs no login."""

    @wraps(view)
    def wrapped(request, meeting_id, **kwargs):
        meeting = meeting_from_url(request, meeting_id)
        if not request.user.has_perm("meetings.view_meeting", meeting):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied(_("This meeting is for members of the community only."))
        request.permission_object = meeting
        return view(request, meeting_id, **kwargs)

    return wrapped


def _detail(meeting):
    return redirect("meeting_detail", meeting_id=meeting.pk)


def _own_participant(request, meeting) -> Participant:
    """Superusers pass every rules check, but only a participant can answer for themselves."""
    participant = participant_for(meeting, request.user)
    if participant is None:
        raise PermissionDenied(_("Only the meeting's participants answer for themselves."))
    return participant


def _error(request, error: ServiceError):
    messages.error(request, error.message)


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


@permission_required("meetings.convene_meeting", community_from_url)
def meeting_create(request, community_id):
    community = request.permission_object
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = convening.meeting_create(community=community, by=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request, _("The meeting is saved as a draft. Now add participants of all four parties.")
            )
            return _detail(meeting)
    return render(
        request, "meetings/meeting_form.html", {"community": community, "form": form, "meeting": None}
    )


@permission_required("meetings.change_meeting", meeting_from_url)
def meeting_edit(request, meeting_id):
    meeting = request.permission_object
    form = MeetingForm.for_meeting(meeting, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            convening.meeting_update(meeting=meeting, by=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("The meeting is saved."))
            return _detail(meeting)
    return render(
        request,
        "meetings/meeting_form.html",
        {"community": meeting.community, "form": form, "meeting": meeting},
    )


def _parties(meeting):
    participants = list(meeting.participants.select_related("user"))
    return [
        {"party": party, "participants": [p for p in participants if p.party == party.value]}
        for party in Party
    ], participants


@viewable
def meeting_detail(request, meeting_id):
    meeting = request.permission_object
    parties, _participants = _parties(meeting)
    me = participant_for(meeting, request.user)
    can_change = request.user.has_perm("meetings.change_meeting", meeting)
    poll = polls.poll_table(meeting) if meeting.status == Meeting.Status.POLLING else None
    context = {
        "meeting": meeting,
        "community": meeting.community,
        "parties": parties,
        "missing_parties": [row["party"] for row in parties if not row["participants"]],
        "agenda": list(meeting.agenda_items.prefetch_related("requests")),
        "me": me,
        "can_change": can_change and meeting.is_open_for_changes,
        "can_cancel": request.user.has_perm("meetings.cancel_meeting", meeting)
        and meeting.is_open_for_changes,
        "when": mail.format_when(meeting.starts_at, meeting.ends_at),
        "poll": poll,
        "my_answers": _answers_of(poll, me),
        "answer_choices": SlotAnswer.Answer.choices,
        "agenda_actions": [("up", _("Up")), ("down", _("Down")), ("remove", _("Remove"))],
        "live_url": f"/meetings/{meeting.pk}/live/",
        "webcal_community": _webcal(reverse("feed_community", kwargs={"community_id": meeting.community_id})),
        "webcal_mine": _webcal(reverse("feed_user", kwargs={"token": request.user.feed_token}))
        if request.user.is_authenticated
        else "",
    }
    if context["can_change"]:
        context.update(
            participant_form=ParticipantForm(community=meeting.community),
            agenda_form=AgendaItemForm(),
            schedule_form=ScheduleForm(initial={"starts_at": meeting.starts_at, "ends_at": meeting.ends_at}),
            poll_form=PollOpenForm() if meeting.status == Meeting.Status.DRAFT else None,
            cancel_form=CancelForm(),
            suggested_requests=list(convening.suggested_requests(meeting)),
        )
    return render(request, "meetings/meeting_detail.html", context)


def _answers_of(poll, participant) -> dict:
    if poll is None or participant is None:
        return {}
    return {slot_id: a for (slot_id, pid), a in poll.answers.items() if pid == participant.pk}


def _webcal(path: str) -> str:
    return webcal(absolute_url(path))


@viewable
def meeting_ics(request, meeting_id):
    """ "Add to calendar": the meeting as a published event (no METHOD), not an invitation."""
    meeting = request.permission_object
    if meeting.starts_at is None:
        raise Http404(_("This meeting has no fixed time yet."))
    data = _feed_bytes([meeting], name=meeting.title)
    response = HttpResponse(data, content_type=CALENDAR)
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@require_POST
@permission_required("meetings.change_meeting", meeting_from_url)
def participant_add(request, meeting_id):
    meeting = request.permission_object
    form = ParticipantForm(request.POST, community=meeting.community)
    if not form.is_valid():
        messages.error(
            request,
            _("Check the participant's details: %(errors)s")
            % {"errors": "; ".join(str(e) for errors in form.errors.values() for e in errors)},
        )
        return _detail(meeting)
    data = form.cleaned_data
    try:
        participant = convening.participant_add(
            meeting=meeting,
            by=request.user,
            user=data["member"],
            name=data["name"],
            email=data["email"],
            party=data["party"],
            role=data["role"],
            votes=data["votes"],
            language=data["language"],
        )
    except ServiceError as error:
        _error(request, error)
    else:
        messages.success(request, _("%(name)s was added.") % {"name": participant.name})
    return _detail(meeting)


@require_POST
@permission_required("meetings.change_meeting", meeting_from_url)
def participant_remove(request, meeting_id, participant_id):
    meeting = request.permission_object
    participant = get_object_or_404(Participant, pk=participant_id, meeting=meeting)
    try:
        convening.participant_remove(participant=participant, by=request.user)
    except ServiceError as error:
        _error(request, error)
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": participant.name})
    return _detail(meeting)


@require_POST
@permission_required("meetings.change_meeting", meeting_from_url)
def agenda_add(request, meeting_id):
    meeting = request.permission_object
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        try:
            convening.agenda_item_add(meeting=meeting, by=request.user, **form.cleaned_data)
        except ServiceError as error:
            _error(request, error)
    else:
        messages.error(request, _("Give the agenda item a title."))
    return _detail(meeting)


@require_POST
@permission_required("meetings.change_meeting", meeting_from_url)
def agenda_from_requests(request, meeting_id):
    """Put the ticked requests on the agenda, one item each; they move to "on the agenda"."""
    meeting = request.permission_object
    form = AgendaFromRequestsForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, form.errors["request"][0])
        return _detail(meeting)
    try:
        convening.agenda_items_from_requests(
            meeting=meeting, by=request.user, requests=list(form.cleaned_data["request"])
        )
    except ServiceError as error:
        _error(request, error)
    else:
        messages.success(request, _("The requests are on the agenda; their requesters were told."))
    return _detail(meeting)


@require_POST
@permission_required("meetings.change_meeting", meeting_from_url)
def agenda_change(request, meeting_id, item_id, action):
    meeting = request.permission_object
    item = get_object_or_404(AgendaItem, pk=item_id, meeting=meeting)
    try:
        if action == "remove":
            convening.agenda_item_remove(item=item, by=request.user)
        else:
            convening.agenda_item_move(item=item, by=request.user, offset=-1 if action == "up" else 1)
    except ServiceError as error:
        _error(request, error)
    return _detail(meeting)


@require_POST
@permission_required("meetings.change_meeting", meeting_from_url)
def meeting_schedule(request, meeting_id):
    """Fix the time and send the invitations (or, on a scheduled meeting, the update)."""
    meeting = request.permission_object
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a start and an end."))
        return _detail(meeting)
    try:
        convening.meeting_schedule(meeting=meeting, by=request.user, **form.cleaned_data)
    except ServiceError as error:
        _error(request, error)
    else:
        messages.success(request, _("The invitations are sent."))
    return _detail(meeting)


@require_POST
@permission_required("meetings.change_meeting", meeting_from_url)
def poll_open(request, meeting_id):
    meeting = request.permission_object
    form = PollOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the candidate times."))
        return _detail(meeting)
    try:
        polls.poll_open(meeting=meeting, by=request.user, slots=form.slots())
    except ServiceError as error:
        _error(request, error)
    else:
        messages.success(request, _("The time poll is open; every participant was asked to answer."))
    return _detail(meeting)


@require_POST
@permission_required("meetings.change_meeting", meeting_from_url)
def poll_fix(request, meeting_id):
    meeting = request.permission_object
    form = PollFixForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, form.errors["slot"][0])
        return _detail(meeting)
    try:
        polls.poll_fix(meeting=meeting, slot=form.cleaned_data["slot"], by=request.user)
    except ServiceError as error:
        _error(request, error)
    else:
        messages.success(request, _("The time is fixed and the invitations are sent."))
    return _detail(meeting)


@require_POST
@permission_required("meetings.answer_poll", meeting_from_url)
def poll_answer(request, meeting_id):
    meeting = request.permission_object
    participant = _own_participant(request, meeting)
    try:
        polls.poll_answer(
            participant=participant, answers=parse_poll_answers(request.POST, meeting.slots.all())
        )
    except ServiceError as error:
        _error(request, error)
    else:
        messages.success(request, _("Your answers are saved."))
    return _detail(meeting)


@require_POST
@permission_required("meetings.rsvp_meeting", meeting_from_url)
def meeting_rsvp(request, meeting_id):
    meeting = request.permission_object
    participant = _own_participant(request, meeting)
    try:
        rsvp.participant_rsvp(participant=participant, partstat=request.POST.get("partstat", ""))
    except ServiceError as error:
        _error(request, error)
    else:
        messages.success(request, _("Your answer is saved."))
    return _detail(meeting)


@permission_required("meetings.cancel_meeting", meeting_from_url)
def meeting_cancel(request, meeting_id):
    meeting = request.permission_object
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            convening.meeting_cancel(meeting=meeting, by=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            _error(request, error)
        else:
            messages.success(request, _("The meeting is cancelled; participants were told."))
        return _detail(meeting)
    return render(request, "meetings/meeting_cancel.html", {"meeting": meeting, "form": form})


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
            _error(request, error)
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


# Feeds ------------------------------------------------------------------------------------------


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
