"""Who may do what with meetings. tests/meetings/test_convening_rules.py checks each permission
against every role.

Convening (create, edit, invite, cancel) is the community workers' job. Who sees a meeting in which
state is declared once, in ``Meeting.objects.visible_to`` (``predicates.can_view_meeting`` asks it).
Answering the poll and RSVP belong to the participant themselves (email-only participants answer
through signed links, which do not go through these rules).
"""

import rules

from deliberation.predicates import is_community_worker, is_site_admin

from .predicates import can_view_meeting, is_meeting_worker, is_participant

rules.add_perm("meetings.convene_meeting", is_community_worker | is_site_admin)
rules.add_perm("meetings.change_meeting", is_meeting_worker | is_site_admin)
rules.add_perm("meetings.cancel_meeting", is_meeting_worker | is_site_admin)
rules.add_perm("meetings.view_meeting", can_view_meeting)
rules.add_perm("meetings.answer_poll", is_participant)
rules.add_perm("meetings.rsvp_meeting", is_participant)

from . import rules_live  # noqa: E402,F401  (live minutes, motions and resolutions)
