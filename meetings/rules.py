"""Who may do what with meetings. tests/meetings/test_convening_rules.py checks each permission
against every role.

Convening (create, edit, invite, cancel) is the community workers' job. Anyone may see a public
meeting once it is past the draft; members, participants and the street office see the rest.
Answering the poll and RSVP belong to the participant themselves (email-only participants answer
through signed links, which do not go through these rules).
"""

import rules

from deliberation.predicates import is_community_worker, is_site_admin

from .predicates import can_view_meeting, is_meeting_worker, is_participant, meeting_of


@rules.predicate
def is_draft(user, obj):
    meeting = meeting_of(obj)
    return meeting is not None and meeting.status == meeting.Status.DRAFT


rules.add_perm("meetings.convene_meeting", is_community_worker | is_site_admin)
rules.add_perm("meetings.change_meeting", is_meeting_worker | is_site_admin)
rules.add_perm("meetings.cancel_meeting", is_meeting_worker | is_site_admin)
rules.add_perm(
    "meetings.view_meeting",
    is_meeting_worker | is_site_admin | is_participant | (~is_draft & can_view_meeting),
)
rules.add_perm("meetings.answer_poll", is_participant)
rules.add_perm("meetings.rsvp_meeting", is_participant)

from . import rules_live  # noqa: E402,F401  (live minutes, motions and resolutions)
