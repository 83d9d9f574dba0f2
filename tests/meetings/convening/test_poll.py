"""The time poll: candidate slots, answers per party, the best slot, fixing the time."""

from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from cms.services import ServiceError
from meetings.models import Meeting, SlotAnswer
from meetings.services import convening, polls
from meetings.signing import participant_token
from tests.factories import soon

pytestmark = pytest.mark.usefixtures("english_service_messages")


@pytest.fixture
def polling(ready, convener, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return polls.poll_open(meeting=ready, by=convener, slots=[soon(5), soon(6), soon(6, hour=19)])


def test_open_poll_asks_everyone(polling):
    assert polling.status == Meeting.Status.POLLING
    assert polling.starts_at is None and polling.slots.count() == 3
    assert len(django_mail.outbox) == 4
    manager_mail = next(m for m in django_mail.outbox if m.to == ["manager@wuye.example"])
    assert "/meetings/respond/" in manager_mail.body


def test_slot_in_the_past_is_refused(ready, convener):
    past = timezone.now() - timedelta(hours=2)
    with pytest.raises(ServiceError, match="past"):
        polls.poll_open(meeting=ready, by=convener, slots=[soon(5), (past, past + timedelta(hours=1))])
    ready.refresh_from_db()
    assert ready.status == Meeting.Status.DRAFT and ready.slots.count() == 0
    assert django_mail.outbox == []


def test_slot_end_before_start_and_duplicates_refused(ready, convener):
    start, end = soon(5)
    with pytest.raises(ServiceError, match="end after"):
        polls.poll_open(meeting=ready, by=convener, slots=[(end, start)])
    with pytest.raises(ServiceError, match="twice"):
        polls.poll_open(meeting=ready, by=convener, slots=[(start, end), (start, end)])
    with pytest.raises(ServiceError, match="at least one"):
        polls.poll_open(meeting=ready, by=convener, slots=[])
    assert ready.slots.count() == 0


def test_poll_needs_all_four_parties(draft, convener):
    with pytest.raises(ServiceError, match="Missing"):
        polls.poll_open(meeting=draft, by=convener, slots=[soon(5)])


def test_answers_table_and_best_slot(polling):
    first, second, third = polling.slots.all()
    people = {p.party: p for p in polling.participants.all()}
    for participant in people.values():
        polls.poll_answer(
            participant=participant, answers={first.pk: "yes", second.pk: "maybe", third.pk: "no"}
        )
    # Property says no to the first: the second (every party can come) wins.
    polls.poll_answer(participant=people["property"], answers={first.pk: "no"})
    table = polls.poll_table(polling)
    rows = {row.slot.pk: row for row in table.rows}
    assert rows[first.pk].by_party["property"] == {"yes": 0, "maybe": 0, "no": 1}
    assert rows[first.pk].parties_available == 3
    assert rows[second.pk].parties_available == 4
    assert table.best.slot == second
    assert table.not_answered == []
    assert SlotAnswer.objects.filter(slot=first).count() == 4, "an answer is changed, never duplicated"


def test_bad_answers_change_nothing(polling, ready):
    participant = polling.participants.first()
    slot = polling.slots.first()
    with pytest.raises(ServiceError):
        polls.poll_answer(participant=participant, answers={slot.pk: "perhaps"})
    with pytest.raises(ServiceError):
        polls.poll_answer(participant=participant, answers={slot.pk + 999: "yes"})
    assert not SlotAnswer.objects.exists()


def test_fix_sends_invitations(polling, convener, django_capture_on_commit_callbacks):
    slot = polling.slots.last()
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = polls.poll_fix(meeting=polling, slot=slot, by=convener)
    assert meeting.status == Meeting.Status.SCHEDULED
    assert (meeting.starts_at, meeting.ends_at) == (slot.starts_at, slot.ends_at)
    assert len(django_mail.outbox) == 4 and {m.method for m in django_mail.outbox} == {"REQUEST"}
    with pytest.raises(ServiceError, match="closed"):
        polls.poll_answer(participant=meeting.participants.first(), answers={slot.pk: "yes"})


def test_email_only_participant_answers_through_the_link(client, polling):
    manager = polling.participants.get(user__isnull=True)
    first, second, _third = polling.slots.all()
    url = f"/meetings/respond/{participant_token(manager)}/"
    page = client.get(url)
    assert page.status_code == 200 and "刘经理" in page.content.decode()
    response = client.post(url, {"action": "poll", f"answer_{first.pk}": "yes", f"answer_{second.pk}": "no"})
    assert response.status_code == 302
    answers = dict(SlotAnswer.objects.filter(participant=manager).values_list("slot_id", "answer"))
    assert answers == {first.pk: "yes", second.pk: "no"}


def test_logged_in_participant_answers_on_the_site(client, polling):
    rep = polling.participants.get(party="residents")
    slot = polling.slots.first()
    client.force_login(rep.user)
    page = client.get(f"/meetings/{polling.pk}/")
    assert f'name="answer_{slot.pk}"' in page.content.decode()
    client.post(f"/meetings/{polling.pk}/poll/answer/", {f"answer_{slot.pk}": "maybe"})
    assert SlotAnswer.objects.get(participant=rep).answer == "maybe"


def test_time_cannot_be_edited_while_the_poll_is_open(polling, convener):
    start, end = soon(8)
    with pytest.raises(ServiceError, match="poll is open"):
        convening.meeting_update(meeting=polling, by=convener, starts_at=start, ends_at=end)
    polling.refresh_from_db()
    assert polling.starts_at is None
