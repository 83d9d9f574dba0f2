"""django-rules predicates about meetings. The object is a Meeting (or has ``.meeting``)."""

import rules

from deliberation.predicates import is_community_worker


def meeting_of(obj):
    from .models import Meeting

    if isinstance(obj, Meeting):
        return obj
    return getattr(obj, "meeting", None)


def participant_of(user, meeting):
    """``models.participant_for``, remembered on the user for this request (the rules ask it often)."""
    from .models import participant_for

    if meeting is None or not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault("_participants", {})
    if meeting.pk not in cache:
        cache[meeting.pk] = participant_for(meeting, user)
    return cache[meeting.pk]


def roster_owner_rows(user, community_id):
    """The owners on a community's roster linked to the user's account (they vote on art. 278
    motions). ``community_id`` may be an ``OuterRef`` (``Meeting.objects.visible_to`` asks it in SQL)."""
    from deliberation.models import Owner

    return Owner.objects.filter(user=user, household__building__community_id=community_id)


def is_roster_owner(user, community) -> bool:
    if community is None or not user.is_authenticated:
        return False
    return roster_owner_rows(user, community.pk).exists()


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
    from .models import Meeting

    meeting = meeting_of(obj)
    if meeting is None:
        return False
    return Meeting.objects.filter(pk=meeting.pk).visible_to(user, meeting.community).exists()
