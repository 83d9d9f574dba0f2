"""Convening services: bad input gets a clear error and changes nothing."""

from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from cms.services import ServiceError
from meetings.models import Meeting, Participant, Party
from meetings.services import convening
from tests.factories import add_four_parties, soon

pytestmark = pytest.mark.usefixtures("english_service_messages")


def snapshot(meeting):
    fresh = Meeting.objects.get(pk=meeting.pk)
    return (
        fresh.title,
        fresh.place,
        fresh.starts_at,
        fresh.ends_at,
        fresh.status,
        fresh.sequence,
        fresh.participants.count(),
        fresh.agenda_items.count(),
    )


def test_end_before_start_is_refused(community, convener):
    starts, _ends = soon()
    with pytest.raises(ServiceError, match="end after it starts"):
        convening.meeting_create(
            community=community, by=convener, title="会", starts_at=starts, ends_at=starts
        )
    assert not Meeting.objects.exists()


def test_start_in_the_past_is_refused(community, convener):
    starts = timezone.now() - timedelta(hours=1)
    with pytest.raises(ServiceError, match="past") as error:
        convening.meeting_create(
            community=community,
            by=convener,
            title="会",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )
    assert error.value.field == "starts_at"
    assert not Meeting.objects.exists()


def test_edit_with_end_before_start_changes_nothing(scheduled, convener):
    before = snapshot(scheduled)
    with pytest.raises(ServiceError):
        convening.meeting_update(
            meeting=scheduled, by=convener, ends_at=scheduled.starts_at - timedelta(minutes=5)
        )
    assert snapshot(scheduled) == before


def test_inviting_before_all_four_parties_names_the_missing(draft, community, convener):
    committee, manager, rep, chair = add_four_parties(draft, community, convener)
    Participant.objects.filter(pk__in=[manager.pk, rep.pk]).delete()
    before = snapshot(draft)
    with pytest.raises(ServiceError) as error:
        convening.meeting_schedule(meeting=draft, by=convener)
    assert "Property company" in error.value.message and "Resident representatives" in error.value.message
    assert "Owners' committee" not in error.value.message
    assert snapshot(draft) == before
    assert django_mail.outbox == []
    assert convening.missing_parties(draft) == [Party.PROPERTY, Party.RESIDENTS]


@pytest.mark.parametrize(
    "status", [Meeting.Status.CLOSED, Meeting.Status.IN_PROGRESS, Meeting.Status.CANCELLED]
)
def test_closed_meeting_cannot_be_edited(scheduled, convener, status):
    Meeting.objects.filter(pk=scheduled.pk).update(status=status)
    scheduled.refresh_from_db()
    before = snapshot(scheduled)
    for call in (
        lambda: convening.meeting_update(meeting=scheduled, by=convener, place="别处"),
        lambda: convening.meeting_cancel(meeting=scheduled, by=convener),
        lambda: convening.agenda_item_add(meeting=scheduled, by=convener, title="新议题"),
        lambda: convening.participant_add(
            meeting=scheduled, by=convener, name="某人", email="x@example.org", party=Party.COMMITTEE
        ),
        lambda: convening.meeting_schedule(
            meeting=scheduled, by=convener, starts_at=soon(9)[0], ends_at=soon(9)[1]
        ),
    ):
        with pytest.raises(ServiceError, match="no longer be changed"):
            call()
    assert snapshot(scheduled) == before


def test_schedule_sends_one_invitation_per_participant(scheduled):
    assert scheduled.status == Meeting.Status.SCHEDULED
    assert scheduled.sequence == 1
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted(
        p.address for p in scheduled.participants.select_related("user")
    )


def test_reschedule_raises_sequence_and_sends_updates(
    scheduled, convener, django_capture_on_commit_callbacks
):
    django_mail.outbox.clear()
    starts, ends = soon(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        moved = convening.meeting_schedule(meeting=scheduled, by=convener, starts_at=starts, ends_at=ends)
    assert moved.sequence == 2 and moved.starts_at == starts
    assert len(django_mail.outbox) == 4
    assert all(m.subject.startswith("Updated") or "变更" in m.subject for m in django_mail.outbox)


def test_draft_edits_do_not_raise_sequence_or_mail(draft, convener, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        edited = convening.meeting_update(meeting=draft, by=convener, place="社区会议室", title="新标题")
    assert edited.sequence == 0 and edited.place == "社区会议室"
    assert django_mail.outbox == []


def test_participant_rules(draft, community, convener):
    with pytest.raises(ServiceError, match="email"):
        convening.participant_add(meeting=draft, by=convener, name="无邮箱", party=Party.PROPERTY)
    convening.participant_add(
        meeting=draft, by=convener, name="刘经理", email="M@Wuye.example", party=Party.PROPERTY
    )
    with pytest.raises(ServiceError, match="already"):
        convening.participant_add(
            meeting=draft, by=convener, name="又一个", email="m@wuye.example", party=Party.PROPERTY
        )
    convening.participant_add(meeting=draft, by=convener, user=convener, party=Party.COMMUNITY, role="chair")
    with pytest.raises(ServiceError, match="chair"):
        convening.participant_add(
            meeting=draft, by=convener, name="二号", email="c@x.org", party=Party.COMMITTEE, role="chair"
        )
    observer = convening.participant_add(
        meeting=draft, by=convener, name="旁听", email="o@x.org", party=Party.RESIDENTS, role="observer"
    )
    assert observer.votes is False


def test_removing_after_invitations_cancels_for_that_person(
    scheduled, community, convener, django_capture_on_commit_callbacks
):
    extra = convening.participant_add(
        meeting=scheduled, by=convener, name="王委员", email="wang@example.org", party=Party.COMMITTEE
    )
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        convening.participant_remove(participant=extra, by=convener)
    scheduled.refresh_from_db()
    assert scheduled.sequence == 2
    to_removed = [m for m in django_mail.outbox if m.to == ["wang@example.org"]]
    assert len(to_removed) == 1 and to_removed[0].method == "CANCEL"
    assert {m.method for m in django_mail.outbox if m.to != ["wang@example.org"]} == {"REQUEST"}


def test_last_of_a_party_cannot_be_removed_once_invited(scheduled, convener):
    manager = scheduled.participants.get(party=Party.PROPERTY)
    with pytest.raises(ServiceError, match="Property company"):
        convening.participant_remove(participant=manager, by=convener)
    assert scheduled.participants.filter(pk=manager.pk).exists()


def test_agenda_order(draft, convener):
    first = convening.agenda_item_add(meeting=draft, by=convener, title="一")
    second = convening.agenda_item_add(meeting=draft, by=convener, title="二")
    convening.agenda_item_move(item=second, by=convener, offset=-1)
    assert [i.title for i in draft.agenda_items.all()] == ["二", "一"]
    convening.agenda_item_remove(item=first, by=convener)
    assert [i.title for i in draft.agenda_items.all()] == ["二"]
    with pytest.raises(ServiceError):
        convening.agenda_item_add(meeting=draft, by=convener, title="  ")


def test_reminder_sent_once_24_hours_before(ready, convener, django_capture_on_commit_callbacks):
    starts = timezone.now() + timedelta(hours=30)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = convening.meeting_schedule(
            meeting=ready, by=convener, starts_at=starts, ends_at=starts + timedelta(hours=2)
        )
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert convening.meeting_reminders_send(now=timezone.now()) == 0
    later = timezone.now() + timedelta(hours=7)
    with django_capture_on_commit_callbacks(execute=True):
        assert convening.meeting_reminders_send(now=later) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert convening.meeting_reminders_send(now=later + timedelta(minutes=5)) == 0
    assert len(django_mail.outbox) == 4
    message = next(m for m in django_mail.outbox if m.to == ["manager@wuye.example"])
    local = timezone.localtime(meeting.starts_at)
    assert f"{local:%Y-%m-%d}" in message.body and f"{local:%H:%M}" in message.body
    assert meeting.place in message.body and "3号楼电梯更换" in message.body
    # Moving the meeting clears the mark: the new time gets its own reminder.
    new_start = starts + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        convening.meeting_update(
            meeting=meeting, by=convener, starts_at=new_start, ends_at=new_start + timedelta(hours=1)
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert convening.meeting_reminders_send(now=later + timedelta(hours=1)) == 1


def test_cancelled_meeting_is_not_reminded(scheduled, convener):
    convening.meeting_cancel(meeting=scheduled, by=convener)
    assert convening.meeting_reminders_send(now=scheduled.starts_at - timedelta(hours=1)) == 0
