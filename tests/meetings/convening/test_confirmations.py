"""Actions that message everyone or cannot be undone ask first and say who will be told: fixing the
time (invitations), fixing the poll's time, cancelling; closing a vote and sealing the minutes."""

import html as html_lib
import re

import pytest
from django.urls import reverse
from django.utils import translation

from meetings.models import Meeting, Party
from meetings.selectors import audience_sentence, meeting_audience
from meetings.services import convening, polls
from tests.factories import in_english, meeting_to_invite, soon

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(community, convener):
    """Six participants: four with an account or an e-mail address (the four parties), two known
    only by a mobile number, one of whom also has an e-mail address."""
    meeting = meeting_to_invite(community, convener, size=4)
    convening.participant_add(
        meeting=meeting, by=convener, name="王阿姨", phone="13800138000", party=Party.RESIDENTS
    )
    convening.participant_add(
        meeting=meeting,
        by=convener,
        name="孙师傅",
        phone="13900139000",
        email="sun@example.org",
        party=Party.RESIDENTS,
    )
    return meeting


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


def test_the_audience_is_counted_per_channel(draft):
    assert meeting_audience(draft) == {"total": 6, "sms": 2, "email": 5, "inbox_only": 0}


def test_sending_the_invitations_asks_and_names_who_will_be_told(client, draft, convener):
    client.force_login(convener)
    html = page(in_english(client), f"/meetings/{draft.pk}/")
    told = "6 participants will be told (SMS: 2, e-mail: 5)."
    form = re.search(r'<form method="post" action="/meetings/\d+/invite/"[^>]*>', html).group(0)
    assert f'data-confirm="Fix this time and send the invitations now? {told}"' in form
    assert f'<p class="told" id="schedule-told">{told}</p>' in html
    assert "meetings/confirm.js" in html


def test_in_chinese_the_sentence_reads_naturally(client, draft, convener):
    client.force_login(convener)
    html = page(client, f"/meetings/{draft.pk}/")
    assert "将通知 6 位参会人（短信 2 人、邮件 5 人）。" in html


def test_fixing_the_polls_time_asks_and_names_who_will_be_told(client, draft, convener):
    first, second = soon(days=5), soon(days=6)
    polls.poll_open(meeting=draft, by=convener, slots=[first, second])
    client.force_login(convener)
    html = page(in_english(client), f"/meetings/{draft.pk}/")
    forms = re.findall(r'<form method="post" action="/meetings/\d+/poll/fix/"[^>]*>', html)
    assert len(forms) == 2
    for form in forms:
        assert (
            'data-confirm="Fix this time and send the invitations now? 6 participants will be told (SMS: 2, e-mail: 5)."'
            in form
        )
    # The HTTP route is unchanged: a post (after the browser's confirm) fixes the time.
    slot = draft.slots.order_by("starts_at").first()
    response = client.post(reverse("meeting_poll_fix", kwargs={"meeting_id": draft.pk}), {"slot": slot.pk})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Meeting.Status.SCHEDULED


def test_cancelling_says_who_will_be_told(client, draft, convener):
    client.force_login(convener)
    url = reverse("meeting_cancel", kwargs={"meeting_id": draft.pk})
    assert "Nobody is told: no invitation was sent yet." in page(in_english(client), url)
    convening.meeting_schedule(meeting=draft, by=convener, starts_at=draft.starts_at, ends_at=draft.ends_at)
    html = page(client, url)
    assert "6 participants will be told (SMS: 2, e-mail: 5)." in html and "This cannot be undone." in html


def test_a_meeting_without_participants_tells_nobody(community, convener):
    starts, ends = soon()
    meeting = convening.meeting_create(
        community=community, by=convener, title="空会议", place="会议室", starts_at=starts, ends_at=ends
    )
    with translation.override("en"):
        english = audience_sentence(meeting_audience(meeting))
    assert english == "Nobody will be told: the meeting has no participants yet."
    assert audience_sentence(meeting_audience(meeting)) == "不会通知任何人：会议还没有参会人。"


def test_closing_a_vote_and_sealing_the_minutes_ask_first(client, meeting, people):
    from meetings.services import motions

    chair = people["chair"].user
    motions.motion_open(
        meeting=meeting, by=chair, text="同意更换电梯", rule="four_party_consensus", agenda_item=None
    )
    client.force_login(chair)
    html = page(in_english(client), f"/meetings/{meeting.pk}/live/")
    close_vote = re.search(r'<form[^>]*class="inline motion-close-form"[^>]*>', html).group(0)
    assert (
        'data-confirm="Close this vote now? No more ballots can be cast and this cannot be undone.'
        in close_vote
    )
    seal = re.search(r'<form method="post" action="/meetings/\d+/live/close/"[^>]*>', html).group(0)
    assert 'data-confirm="Close the meeting and seal the minutes now? Nothing can be added or changed' in seal
    assert '"confirm_close_vote": "Close this vote now?' in html  # for the votes live.js draws


def test_sealing_the_minutes_without_javascript_asks_on_a_page_first(client, meeting, people):
    client.force_login(people["chair"].user)
    url = reverse("meeting_live_close", args=[meeting.pk])
    html = html_lib.unescape(in_english(client).post(url).content.decode())
    assert "Close the meeting and seal the minutes now? Nothing can be added or changed afterwards." in html
    assert 'id="confirm-yes"' in html
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.IN_PROGRESS
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CLOSED


def test_only_the_chair_is_asked(client, meeting, people):
    client.force_login(people[Party.RESIDENTS].user)
    response = client.post(reverse("meeting_live_close", args=[meeting.pk]))
    assert response.status_code == 403


def test_closing_a_vote_without_javascript_asks_on_a_page_first(client, meeting, people):
    from meetings.models import Motion
    from meetings.services import motions

    chair = people["chair"].user
    motions.motion_open(meeting=meeting, by=chair, text="同意修路灯", agenda_item=None)
    motion = Motion.objects.get(text="同意修路灯")
    client.force_login(chair)
    url = reverse("meeting_live_motion_close", args=[meeting.pk, motion.pk])
    html = html_lib.unescape(in_english(client).post(url, {"motion": motion.pk}).content.decode())
    assert "Close this vote now? No more ballots can be cast and this cannot be undone." in html
    assert "Yes, close the vote" in html and f'action="{url}"' in html
    motion.refresh_from_db()
    assert motion.is_open
    assert client.post(url, {"motion": motion.pk, "confirm": "yes"}).status_code == 302
    motion.refresh_from_db()
    assert not motion.is_open
