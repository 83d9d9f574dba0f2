"""Who may do what during a meeting and with its resolutions.

The object is a Meeting, or anything with ``.meeting`` (a Motion, a Resolution; pass an Action's
resolution). The WebSocket consumer asks the same permissions as the views, on every message.

| permission | who |
|---|---|
| meetings.view_live | as meetings.view_meeting: ``Meeting.objects.visible_to`` (one rule for the lists and the pages) |
| meetings.keep_minutes | the meeting's secretary, the community's workers, admins |
| meetings.chair_meeting | the meeting's chair, the community's workers, admins |
| meetings.check_in_self | an invited participant (admins pass every rule; the service still refuses non-participants) |
| meetings.cast_ballot | a voting participant, or an owner on the roster linked to the user's account (asked about one motion: owners on art. 278 motions, participants on the others) |
| meetings.view_resolution | as view_live |
| meetings.manage_actions | the community's workers, the meeting's secretary, admins |
"""

import rules

from deliberation.predicates import is_site_admin

from .predicates import (
    can_view_meeting,
    is_meeting_worker,
    is_participant,
    is_roster_owner,
    meeting_of,
    participant_of,
)


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
    from .models import Motion

    return not isinstance(obj, Motion) or obj.rule == Motion.Rule.CIVIL_CODE_278


@rules.predicate
def is_participants_motion(user, obj):
    from .models import Motion

    return not isinstance(obj, Motion) or obj.rule != Motion.Rule.CIVIL_CODE_278


keeps_minutes = is_meeting_secretary | is_meeting_worker | is_site_admin

rules.add_perm("meetings.view_live", can_view_meeting)
rules.add_perm("meetings.keep_minutes", keeps_minutes)
rules.add_perm("meetings.chair_meeting", is_meeting_chair | is_meeting_worker | is_site_admin)
rules.add_perm("meetings.check_in_self", is_participant)
rules.add_perm(
    "meetings.cast_ballot",
    (is_voting_participant & is_participants_motion) | (is_meeting_owner & is_owners_motion),
)
rules.add_perm("meetings.view_resolution", can_view_meeting)
rules.add_perm("meetings.manage_actions", keeps_minutes)
