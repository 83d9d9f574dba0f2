"""django-rules predicates about meetings. The object is a Meeting (or has ``.meeting``)."""

import rules

from deliberation.predicates import is_community_worker, is_street_officer_for, is_verified_member


def meeting_of(obj):
    from .models import Meeting

    if isinstance(obj, Meeting):
        return obj
    return getattr(obj, "meeting", None)


def participant_of(user, meeting):
    """The user's Participant row in ``meeting`` (cached on the user for this request)."""
    if meeting is None or not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault("_participants", {})
    if meeting.pk not in cache:
        cache[meeting.pk] = meeting.participants.filter(user=user).first()
    return cache[meeting.pk]


@rules.predicate
def is_participant(user, obj):
    return participant_of(user, meeting_of(obj)) is not None


@rules.predicate
def is_meeting_public(user, obj):
    meeting = meeting_of(obj)
    return meeting is not None and meeting.visibility == meeting.Visibility.PUBLIC


@rules.predicate
def is_meeting_worker(user, obj):
    """A community worker of the meeting's community (they convene and keep the minutes)."""
    meeting = meeting_of(obj)
    return meeting is not None and is_community_worker(user, meeting.community)


@rules.predicate
def is_meeting_member(user, obj):
    meeting = meeting_of(obj)
    return meeting is not None and is_verified_member(user, meeting.community)


@rules.predicate
def is_meeting_street_officer(user, obj):
    meeting = meeting_of(obj)
    return meeting is not None and is_street_officer_for(user, meeting.community)


can_view_meeting = (
    is_meeting_public | is_participant | is_meeting_member | is_meeting_worker | is_meeting_street_officer
)
