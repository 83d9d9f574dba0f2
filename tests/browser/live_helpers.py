"""For the live-minutes browser test: a meeting in progress built with the services, and a daphne
worker restarted on the port it had (so the open page's WebSocket URL stays valid)."""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from unittest import mock

from django.utils import timezone

from deliberation.models import Role
from meetings.models import Meeting, Participant, ParticipantRole, Party
from meetings.services import convening
from meetings.services.minutes import attendance_check_in, meeting_start
from tests.factories import make_member

from . import servers


@dataclass
class LiveMeeting:
    meeting: Meeting
    chair: Participant
    secretary: Participant
    voter: Participant  # the committee's member, checked in
    viewer: Participant  # a residents' participant, not checked in yet (has the check-in code field)


def live_meeting(community, *, convener) -> LiveMeeting:
    """A public four-party meeting in progress: every party invited, all but the viewer present."""
    starts = timezone.now() + timedelta(minutes=5)  # a meeting about to start, started early
    meeting = convening.meeting_create(
        community=community,
        by=convener,
        title="四方联席会议：加装电梯",
        place="社区议事厅",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    convening.agenda_item_add(meeting=meeting, by=convener, title="1号楼加装电梯")

    def invite(party, role, name, votes=True, member_role=Role.RESIDENT):
        user = make_member(community, role=member_role, display_name=name)
        return convening.participant_add(
            meeting=meeting, by=convener, party=party, user=user, role=role, votes=votes
        )

    chair = invite(Party.COMMUNITY, ParticipantRole.CHAIR, "陈主持", member_role=Role.WORKER)
    secretary = invite(
        Party.COMMUNITY, ParticipantRole.SECRETARY, "孙记录", votes=False, member_role=Role.WORKER
    )
    voter = invite(Party.COMMITTEE, ParticipantRole.MEMBER, "周委员", member_role=Role.COMMITTEE)
    invite(Party.PROPERTY, ParticipantRole.MEMBER, "吴经理", member_role=Role.PROPERTY)
    viewer = invite(Party.RESIDENTS, ParticipantRole.MEMBER, "郑居民")
    meeting_start(meeting=meeting, by=chair.user)
    for participant in (chair, secretary, voter):
        attendance_check_in(meeting=meeting, participant=participant, by=secretary.user)
    meeting.refresh_from_db()
    return LiveMeeting(meeting=meeting, chair=chair, secretary=secretary, voter=voter, viewer=viewer)


def spawn_on_port(port: int, *, log_dir: Path, mail_dir: Path) -> servers.AsgiWorker:
    """A fresh daphne worker on ``port`` (one that was stopped: a restart); the caller stops it.

    ``servers.spawn_daphne`` picks a free port itself, so it is handed this one instead.
    """
    with mock.patch.object(servers, "free_port", return_value=port):
        return servers.spawn_daphne(log_dir=log_dir, mail_dir=mail_dir)
