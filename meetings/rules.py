"""Who may do what with meetings. tests/meetings/convening/test_convening_rules.py checks each permission
against every role.

Convening (create, edit, invite, cancel) is the community workers' job. Who sees a meeting in which
state is declared once, in ``Meeting.objects.visible_to`` (``predicates.can_view_meeting`` asks it).
Answering the poll and RSVP belong to the participant themselves (email-only participants answer
through signed links, which do not go through these rules).

During a meeting and with its resolutions, the object is a Meeting, or anything with ``.meeting``
(a Motion, a Resolution; pass an Action's resolution). The WebSocket consumer asks the same
permissions as the views, on every message.

| permission | who |
|---|---|
| meetings.view_live | as meetings.view_meeting: ``Meeting.objects.visible_to`` (one rule for the lists and the pages) |
| meetings.keep_minutes | the meeting's secretary, the community's workers, admins |
| meetings.chair_meeting | the meeting's chair, the community's workers, admins |
| meetings.show_checkin_qr | as keep_minutes: whoever may check people in shows the door's QR code (``services.checkin``) |
| meetings.check_in_self | an invited participant (admins pass every rule; the service still refuses non-participants) |
| meetings.cast_ballot | a voting participant, or an owner on the roster linked to the user's account (asked about one motion: owners on art. 278 motions, participants on the others) |
| meetings.view_resolution | as view_live; a resolution of an owners' vote, as meetings.view_owners_vote on the vote |
| meetings.manage_actions | the community's workers, the meeting's secretary, admins; on an owners' vote's resolution, its organisers |

Owners' votes over a period (the object is the community or the vote):

| permission | who |
|---|---|
| meetings.view_owners_vote | anyone once it is announced (its notice is public); a draft, its organisers |
| meetings.organise_owners_vote | the community's workers and owners' committee members, admins |
| meetings.view_owners_vote_turnout | while it runs: the organisers; linked owners too if the vote shows them the turnout |
| meetings.collect_owners_ballots | the organisers, and resident representatives (volunteers 扫楼) |
| meetings.cast_own_owners_ballot | an owner on the community's roster linked to the user's account |
| meetings.export_owners_vote | as organise_owners_vote: the roster with names and phones, the ballots, the evidence |
"""

import rules

from deliberation.predicates import is_committee_member, is_community_worker, is_representative, is_site_admin

from .predicates import (
    can_view_meeting,
    can_view_owners_vote_resolution,
    is_announced_owners_vote,
    is_community_roster_owner,
    is_meeting_chair,
    is_meeting_owner,
    is_meeting_secretary,
    is_meeting_worker,
    is_owners_motion,
    is_owners_vote_resolution,
    is_participant,
    is_participants_motion,
    is_running_owners_vote,
    is_voting_participant,
    shows_turnout_to_owners,
)

rules.add_perm("meetings.convene_meeting", is_community_worker | is_site_admin)
rules.add_perm("meetings.change_meeting", is_meeting_worker | is_site_admin)
rules.add_perm("meetings.cancel_meeting", is_meeting_worker | is_site_admin)
rules.add_perm("meetings.view_meeting", can_view_meeting)
rules.add_perm("meetings.answer_poll", is_participant)
rules.add_perm("meetings.rsvp_meeting", is_participant)

# During the meeting, and its resolutions
keeps_minutes = is_meeting_secretary | is_meeting_worker | is_site_admin

rules.add_perm("meetings.view_live", can_view_meeting)
rules.add_perm("meetings.keep_minutes", keeps_minutes)
rules.add_perm("meetings.chair_meeting", is_meeting_chair | is_meeting_worker | is_site_admin)
rules.add_perm("meetings.show_checkin_qr", keeps_minutes)
rules.add_perm("meetings.check_in_self", is_participant)
rules.add_perm(
    "meetings.cast_ballot",
    (is_voting_participant & is_participants_motion) | (is_meeting_owner & is_owners_motion),
)

# Owners' votes over a period
organises_owners_votes = is_community_worker | is_committee_member | is_site_admin
rules.add_perm("meetings.organise_owners_vote", organises_owners_votes)
rules.add_perm("meetings.collect_owners_ballots", organises_owners_votes | is_representative)
rules.add_perm("meetings.cast_own_owners_ballot", is_community_roster_owner)
rules.add_perm("meetings.view_owners_vote", is_announced_owners_vote | organises_owners_votes)
rules.add_perm("meetings.export_owners_vote", organises_owners_votes)
rules.add_perm(
    "meetings.view_owners_vote_turnout",
    is_running_owners_vote & (organises_owners_votes | (shows_turnout_to_owners & is_community_roster_owner)),
)

# Resolutions: of a meeting's motion, or of an owners' vote
rules.add_perm("meetings.view_resolution", can_view_meeting | can_view_owners_vote_resolution)
rules.add_perm(
    "meetings.manage_actions", keeps_minutes | (is_owners_vote_resolution & organises_owners_votes)
)
