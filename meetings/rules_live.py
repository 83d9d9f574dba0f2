"""Who may do what during a meeting and with its resolutions.

The object is a Meeting, or anything with ``.meeting`` (a Motion, a Resolution; pass an Action's
resolution). The WebSocket consumer asks the same permissions as the views, on every message.

| permission | who |
|---|---|
| meetings.view_live | whoever may see the meeting (public / members / participants / workers / street), owners on the roster; a draft only to its workers and invitees |
| meetings.keep_minutes | the meeting's secretary, the community's workers, admins |
| meetings.chair_meeting | the meeting's chair, the community's workers, admins |
| meetings.check_in_self | an invited participant (admins pass every rule; the service still refuses non-participants) |
| meetings.cast_ballot | a voting participant, or an owner on the roster linked to the user's account (asked about one motion: owners on art. 278 motions, participants on the others) |
| meetings.view_resolution | as view_live |
| meetings.manage_actions | the community's workers, the meeting's secretary, admins |
"""

import rules

from deliberation.predicates import is_site_admin

from .predicates import can_view_meeting, is_meeting_worker, meeting_of, participant_of


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
    from deliberation.models import Owner

    meeting = meeting_of(obj)
    if meeting is None or not user.is_authenticated:
        return False
    return Owner.objects.filter(user=user, household__building__community_id=meeting.community_id).exists()


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


@rules.predicate
def is_invited(user, obj):
    return participant_of(user, meeting_of(obj)) is not None


@rules.predicate
def is_draft_meeting(user, obj):
    meeting = meeting_of(obj)
    return meeting is not None and meeting.status == meeting.Status.DRAFT


keeps_minutes = is_meeting_secretary | is_meeting_worker | is_site_admin
# A draft is still being prepared: only its workers and invitees see it.
sees_meeting = (
    is_meeting_worker
    | is_site_admin
    | is_invited
    | (~is_draft_meeting & (can_view_meeting | is_meeting_owner))
)

rules.add_perm("meetings.view_live", sees_meeting)
rules.add_perm("meetings.keep_minutes", keeps_minutes)
rules.add_perm("meetings.chair_meeting", is_meeting_chair | is_meeting_worker | is_site_admin)
rules.add_perm("meetings.check_in_self", is_invited)
rules.add_perm(
    "meetings.cast_ballot",
    (is_voting_participant & is_participants_motion) | (is_meeting_owner & is_owners_motion),
)
rules.add_perm("meetings.view_resolution", sees_meeting)
rules.add_perm("meetings.manage_actions", keeps_minutes)
