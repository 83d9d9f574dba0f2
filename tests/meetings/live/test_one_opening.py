"""Rules written once: who a meeting can invite (the selector), how every live write opens
(``minutes.begin_write``), how both ballot services store a ballot (``_ballot``)."""

import pytest

from deliberation.models import Membership, Role
from deliberation.selectors import verified_members
from meetings.forms.convening import ParticipantForm
from meetings.models import Meeting, Motion
from meetings.services import minutes, motions
from tests.factories import UserFactory, four_parties, make_meeting, make_member

pytestmark = pytest.mark.django_db


def test_the_invite_list_is_the_verified_members_and_the_property_staff(community, company):
    member = make_member(community, role=Role.RESIDENT)
    pending = make_member(community, role=Role.RESIDENT)
    Membership.objects.filter(user=pending).update(status=Membership.Status.PENDING)
    staff = UserFactory(property_company=company)
    choices = set(ParticipantForm(community=community).fields["member"].queryset)
    assert member in choices and staff in choices and pending not in choices
    assert set(verified_members(community)) == {member}


def test_every_live_write_opens_with_begin_write(community, monkeypatch):
    calls = []
    real = minutes.begin_write

    def spy(meeting, **kwargs):
        calls.append(kwargs.get("client_type", ""))
        return real(meeting, **kwargs)

    monkeypatch.setattr(minutes, "begin_write", spy)
    monkeypatch.setattr(motions, "begin_write", spy)
    meeting = make_meeting(community, status=Meeting.Status.SCHEDULED)
    people = four_parties(meeting, present=False)
    chair = people["chair"].user
    minutes.meeting_start(meeting=meeting, by=chair)
    minutes.attendance_check_in(meeting=meeting, participant=people["committee"], by=chair)
    minutes.minute_add(meeting=meeting, by=chair, kind="note", text="开始")
    minutes.agenda_advance(meeting=meeting, by=chair)
    opened = motions.motion_open(meeting=meeting, by=chair, text="动议", agenda_item=None)
    motions.motion_close(motion=Motion.objects.get(pk=opened.payload["id"]), by=chair)
    minutes.meeting_close(meeting=meeting, by=chair)
    assert calls == ["", "checkin", "entry.add", "agenda.next", "motion.open", "motion.close", ""]
