"""Meetings models, split by feature so each stays readable.

- ``convening``: meetings, participants, agenda (and the time poll, RSVP, feeds).
- ``minutes``: live minutes, motions, ballots, resolutions and actions.
"""

from .convening import (  # noqa: F401
    AgendaItem,
    Meeting,
    Participant,
    ParticipantRole,
    Party,
    SlotAnswer,
    TimeSlot,
    participant_for,
)
from .minutes import *  # noqa: F401,F403
