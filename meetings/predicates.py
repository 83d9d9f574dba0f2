"""django-rules predicates about meetings. The object is a Meeting (or has ``.meeting``)."""

import rules

from deliberation.predicates import community_of, is_community_worker, is_published_community
from deliberation.selectors import owners_linked, remembered_on_user

from .models import Meeting, Motion, Resolution, participant_for


def meeting_of(obj):
    if isinstance(obj, Meeting):
        return obj
    return getattr(obj, "meeting", None)


def participant_of(user, meeting):
    """``models.participant_for``, remembered on the user for this request (the rules ask it often)."""
    if meeting is None or not user.is_authenticated:
        return None
    cache = remembered_on_user(user, "_participants")
    if meeting.pk not in cache:
        cache[meeting.pk] = participant_for(meeting, user)
    return cache[meeting.pk]


def is_roster_owner(user, community) -> bool:
    if community is None or not user.is_authenticated:
        return False
    return owners_linked(user, community.pk).exists()


@rules.predicate
def is_participant(user, obj):
    return participant_of(user, meeting_of(obj)) is not None


@rules.predicate
def is_meeting_worker(user, obj):
    """A community worker of the meeting's community (they convene and keep the minutes)."""
    meeting = meeting_of(obj)
    return meeting is not None and is_community_worker(user, meeting.community)


@rules.predicate
def can_view_meeting(user, obj):
    """Asks ``Meeting.objects.visible_to``, the one declaration of who sees a meeting in which state,
    about this meeting: the list pages and every meeting page agree by construction."""
    meeting = meeting_of(obj)
    if meeting is None:
        return False
    return Meeting.objects.filter(pk=meeting.pk).visible_to(user, meeting.community).exists()


def _has_role(role):
    @rules.predicate(name=f"is_meeting_{role}")
    def predicate(user, obj):
        participant = participant_of(user, meeting_of(obj))
        return participant is not None and participant.role == role

    return predicate


is_meeting_chair = _has_role("chair")
is_meeting_secretary = _has_role("secretary")


@rules.predicate
def is_voting_participant(user, obj):
    participant = participant_of(user, meeting_of(obj))
    return participant is not None and participant.votes


@rules.predicate
def is_meeting_owner(user, obj):
    """An owner on the roster of the meeting's community (art. 278 votes)."""
    meeting = meeting_of(obj)
    return meeting is not None and is_roster_owner(user, meeting.community)


@rules.predicate
def is_owners_motion(user, obj):
    """Asked about one motion: an art. 278 motion is voted by owners, any other by participants.
    Asked about the meeting, both may vote (the service decides per motion)."""
    return not isinstance(obj, Motion) or obj.rule == Motion.Rule.CIVIL_CODE_278


@rules.predicate
def is_participants_motion(user, obj):
    return not isinstance(obj, Motion) or obj.rule != Motion.Rule.CIVIL_CODE_278


@rules.predicate
def is_community_roster_owner(user, obj):
    """An owner on the roster of the object's community, linked to the user's account."""
    return is_roster_owner(user, community_of(obj))


@rules.predicate
def is_announced_owners_vote(user, obj):
    """An owners' vote's notice is public once announced, like the paper on the lobby's board."""
    return getattr(obj, "status", "draft") != "draft" and is_published_community(user, obj)


@rules.predicate
def is_running_owners_vote(user, obj):
    """Announced and not closed: its turnout is news; after the close the result replaces it."""
    return getattr(obj, "status", "") == "announced"


@rules.predicate
def shows_turnout_to_owners(user, obj):
    return bool(getattr(obj, "show_turnout_to_owners", False))


def owners_vote_of(obj):
    """The owners' vote a resolution was published from (None for a meeting's resolution)."""
    if isinstance(obj, Resolution) and obj.owners_vote_id:
        return obj.owners_vote
    return None


@rules.predicate
def is_owners_vote_resolution(user, obj):
    return owners_vote_of(obj) is not None


@rules.predicate
def can_view_owners_vote_resolution(user, obj):
    """A vote's resolution is seen by whoever sees the vote (``meetings.view_owners_vote``)."""
    vote = owners_vote_of(obj)
    return vote is not None and rules.has_perm("meetings.view_owners_vote", user, vote)
