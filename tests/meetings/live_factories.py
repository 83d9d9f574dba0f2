"""Meetings for the live-minutes tests, built directly with the ORM."""

import itertools

from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from deliberation.models import Role
from meetings.models import AgendaItem, Attendance, Meeting, Participant, ParticipantRole, Party
from tests.factories import UserFactory, make_member

_counter = itertools.count(1)


def make_meeting(
    community,
    *,
    convener=None,
    status=Meeting.Status.IN_PROGRESS,
    visibility=Meeting.Visibility.PUBLIC,
    items=2,
):
    convener = convener or make_member(community, role=Role.WORKER)
    meeting = Meeting.objects.create(
        community=community,
        title=f"四方会议 {next(_counter)}",
        starts_at=timezone.now(),
        status=status,
        visibility=visibility,
        convener=convener,
    )
    for position in range(items):
        AgendaItem.objects.create(meeting=meeting, position=position, title=f"议题 {position + 1}")
    return meeting


def add_participant(
    meeting, *, party=Party.RESIDENTS, role=ParticipantRole.MEMBER, user=None, votes=True, present=False
):
    user = user or UserFactory()
    participant = Participant.objects.create(
        meeting=meeting, user=user, name=str(user), email=user.email, party=party, role=role, votes=votes
    )
    if present:
        Attendance.objects.create(meeting=meeting, participant=participant)
    return participant


def four_parties(meeting, *, present=True):
    """A chair (community), a secretary (community), and one voting member of every party."""
    people = {
        "chair": add_participant(meeting, party=Party.COMMUNITY, role=ParticipantRole.CHAIR, present=present),
        "secretary": add_participant(
            meeting, party=Party.COMMUNITY, role=ParticipantRole.SECRETARY, votes=False, present=present
        ),
    }
    for party in (Party.COMMITTEE, Party.PROPERTY, Party.RESIDENTS):
        people[party] = add_participant(meeting, party=party, present=present)
    return people


def session_cookie(user) -> str:
    """A real database session for ``user`` (what AuthMiddlewareStack reads from the cookie)."""
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return session.session_key
