"""Meetings models, one module per feature area.

- ``convening``: meetings, participants, agenda, the time poll and RSVP.
- ``live``: the live state and events, minutes, attendance, motions and ballots.
- ``resolutions``: resolutions with their public notice, follow-up actions and progress.
- ``owners_votes``: owners' votes over a period (written consultation), their ballots from every
  channel and the audit trail.
- ``pages``: the meetings' Wagtail page below each community (its introduction, the list and
  convening routes).
"""

from .convening import (
    AgendaItem,
    Meeting,
    Participant,
    ParticipantRole,
    Party,
    SlotAnswer,
    TimeSlot,
    participant_for,
)
from .live import (
    Attendance,
    Ballot,
    BallotChange,
    Choice,
    LiveEvent,
    LiveState,
    MinuteEntry,
    Motion,
    new_checkin_code,
)
from .owners_votes import OwnersBallot, OwnersBallotChange, OwnersVote, VoteDocument, VoteQuestion
from .pages import MeetingIndexPage
from .resolutions import Action, ActionProgress, Resolution

__all__ = [
    "Action",
    "ActionProgress",
    "AgendaItem",
    "Attendance",
    "Ballot",
    "BallotChange",
    "Choice",
    "LiveEvent",
    "LiveState",
    "Meeting",
    "MeetingIndexPage",
    "MinuteEntry",
    "Motion",
    "OwnersBallot",
    "OwnersBallotChange",
    "OwnersVote",
    "Participant",
    "ParticipantRole",
    "Party",
    "Resolution",
    "SlotAnswer",
    "TimeSlot",
    "VoteDocument",
    "VoteQuestion",
    "new_checkin_code",
    "participant_for",
]
