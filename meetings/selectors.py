"""Reads for the live page, the printed minutes and resolutions (the page renders current state
first; the WebSocket then applies events after ``last_seq``)."""

from weakref import WeakKeyDictionary

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from deliberation.models import Delivery, Notification
from deliberation.selectors import NoticeState, sort_deliveries
from deliberation.services.delivery import channels_for

from .mail import KIND_LABELS, notice_kind, notice_of_notification, participant_ref, recipient_of
from .models import (
    Attendance,
    Ballot,
    LiveEvent,
    LiveState,
    Meeting,
    MeetingIndexPage,
    MinuteEntry,
    Motion,
    OwnersVote,
    Party,
    Resolution,
)
from .services.minutes import minutes_verify, quorum
from .services.motions import motion_tally


def live_state(meeting) -> LiveState:
    state, _created = LiveState.objects.get_or_create(meeting_id=meeting.pk)
    return state


def parties_with_attendance(meeting) -> list[dict]:
    present = {a.participant_id: a for a in Attendance.objects.filter(meeting=meeting)}
    groups = {party: [] for party in Party.values}
    for participant in meeting.participants.all():
        participant.attendance = present.get(participant.pk)
        groups.setdefault(participant.party, []).append(participant)
    return [
        {"party": party, "label": Party(party).label, "participants": groups[party]} for party in Party.values
    ]


def motions_with_tallies(meeting, user=None) -> list[Motion]:
    motions = list(meeting.motions.select_related("agenda_item").prefetch_related("resolution"))
    mine = {}
    if user is not None and user.is_authenticated:
        mine = dict(
            Ballot.objects.filter(motion__meeting=meeting, participant__user=user).values_list(
                "motion_id", "choice"
            )
        )
        mine.update(
            Ballot.objects.filter(motion__meeting=meeting, household__owners__user=user).values_list(
                "motion_id", "choice"
            )
        )
    for motion in motions:
        motion.tally = motion.result if not motion.is_open else motion_tally(motion).as_dict()
        motion.my_choice = mine.get(motion.pk)
        motion.can_vote = user is not None and user.has_perm("meetings.cast_ballot", motion)
        motion.resolution_obj = getattr(motion, "resolution", None) if not motion.is_open else None
    return motions


def entries_with_seq(meeting) -> list[MinuteEntry]:
    entries = list(meeting.minute_entries.select_related("agenda_item"))
    seqs = {
        payload.get("id"): seq
        for seq, payload in LiveEvent.objects.filter(meeting=meeting, kind="entry").values_list(
            "seq", "payload"
        )
    }
    for entry in entries:
        entry.seq = seqs.get(entry.pk)
    return entries


def verification_text(verification) -> str:
    if not verification.finalised:
        return _("Minutes not finalised yet")
    if verification.ok:
        return _("Verified: the minutes are unchanged since they were finalised")
    return _("Verification failed: entry %(n)d does not match the sealed minutes") % {
        "n": verification.broken_at
    }


def minutes_context(meeting) -> dict:
    """The minutes as a page shows them, checked against their seal: what is shown is what is
    verified (the state and the entries are read once)."""
    state = live_state(meeting)
    entries = entries_with_seq(meeting)
    verification = minutes_verify(meeting=meeting, state=state, entries=entries)
    return {
        "state": state,
        "parties": parties_with_attendance(meeting),
        "quorum": quorum(meeting),
        "entries": entries,
        "verification": verification,
        "verification_text": verification_text(verification),
    }


def resolutions_for(community, user):
    """The community's resolutions ``user`` may see (``meetings.view_resolution``), newest first,
    as one queryset: the meetings they may see are filtered in the database, not resolution by
    resolution, so a page costs the same few queries for 2 meetings as for 200."""
    meetings = Meeting.objects.visible_to(user, community)
    # An owners' vote's resolution is made at its close, and a closed vote's notice is public
    # (``meetings.view_owners_vote``): the community's page being reachable is the only condition.
    from_votes = Q(owners_vote__isnull=False) & ~Q(owners_vote__status=OwnersVote.Status.DRAFT)
    return (
        Resolution.objects.filter(community=community)
        .filter(Q(meeting__in=meetings.values("pk")) | from_votes)
        .select_related("meeting", "motion", "owners_vote")
        .prefetch_related("actions")
        .order_by("-published_at", "-pk")
    )


# --- The meetings page's URLs (as ``deliberation.selectors.hall_url``) --------------------------

_MEETING_INDEXES: WeakKeyDictionary = WeakKeyDictionary()


def _index_cache(request) -> dict:
    return _MEETING_INDEXES.setdefault(request, {}) if request is not None else {}


def remember_meeting_index(request, page) -> None:
    """The meetings page this HTTP request is serving (a draft, in a preview)."""
    _index_cache(request)[page.community_id] = page


def meeting_index_for(community, *, request=None) -> MeetingIndexPage | None:
    cache = _index_cache(request)
    if community.pk not in cache:
        cache[community.pk] = MeetingIndexPage.objects.child_of(community).first()
    return cache[community.pk]


def meetings_url(community, name: str = "meeting_list", *, request=None) -> str:
    """The community's meetings list ("meeting_list") or the convening form ("meeting_create")."""
    page = meeting_index_for(community, request=request)
    if page is None:  # an editor deleted the page: the old URL, which answers 404
        return reverse(name, args=[community.pk])
    return (page.get_url(request) or "") + page.reverse_subpage(name)


def participant_notices(*, meeting) -> dict[int, list[NoticeState]]:
    """Each participant's notices about ``meeting`` (invitation, updates, cancellation, reminder,
    poll), oldest first, with how each channel went: by participant id, in two queries for the
    whole meeting — its deliveries, and its inbox notices, which show the notices of a participant
    with no e-mail or phone ("inbox only"). Keys as ``mail.notify_participants`` writes them."""
    refs = {}
    notices: dict[int, dict[str, NoticeState]] = {}

    def notice(participant_id: int, key: str, label: str, at) -> NoticeState:
        kind = notice_kind(key)
        return notices.setdefault(participant_id, {}).setdefault(
            key, NoticeState(label=str(KIND_LABELS.get(kind, label)), at=at)
        )

    deliveries = Delivery.objects.about("meeting", meeting.pk).defer("payload").order_by("created_at", "id")
    for delivery in deliveries:
        participant_id = refs.get(delivery.recipient)
        if participant_id is None:
            _prefix, _colon, pk = delivery.recipient.partition(":")
            if delivery.recipient != participant_ref(pk) or not pk.isdigit():
                continue
            participant_id = refs[delivery.recipient] = int(pk)
        key = delivery.key.rsplit(":", 3)[0]  # <notice key>:participant:<pk>:<channel>
        notice(participant_id, key, delivery.label, delivery.created_at).deliveries.append(delivery)
    inbox = Notification.objects.filter(key__startswith=f"meeting-{meeting.pk}-").values_list(
        "key", "subject", "created_at"
    )
    for notification_key, subject, created_at in inbox:
        key, participant_id = notice_of_notification(notification_key)
        if participant_id is not None:
            notice(participant_id, key, subject, created_at)
    result = {}
    for participant_id, by_key in notices.items():
        for state in by_key.values():
            state.deliveries = sort_deliveries(state.deliveries)
        result[participant_id] = sorted(by_key.values(), key=lambda state: state.at)
    return result


def meeting_audience(meeting, participants=None) -> dict:
    """Who a notice to every participant of ``meeting`` reaches, and how: the same choice of
    channels as the outbox makes (``channels_for``: what the person chose and has an address for).
    ``inbox_only``: account holders with neither channel, told on the site only. ``participants``:
    all of them, read already with their users (a page that lists them)."""
    counts = {"total": 0, "sms": 0, "email": 0, "inbox_only": 0}
    if participants is None:
        participants = meeting.participants.select_related("user")
    for participant in participants:
        channels = channels_for(recipient_of(participant), email=True, sms_=True)
        counts["total"] += 1
        counts["sms"] += Delivery.Channel.SMS in channels
        counts["email"] += Delivery.Channel.EMAIL in channels
        counts["inbox_only"] += not channels
    return counts


def audience_sentence(audience: dict) -> str:
    """ "将通知 12 位参会人（短信 5 人、邮件 9 人）。": said next to (and asked before) an action that
    messages everyone."""
    if not audience["total"]:
        return _("Nobody will be told: the meeting has no participants yet.")
    return (
        ngettext(
            "%(total)d participant will be told (SMS: %(sms)d, e-mail: %(email)d).",
            "%(total)d participants will be told (SMS: %(sms)d, e-mail: %(email)d).",
            audience["total"],
        )
        % audience
    )
