"""Issue 12, QR check-in over HTTP: the signed, short-lived, meeting-bound link of the door's QR
code; a signed-in participant is checked in at once (once), anyone else is refused with a page
that says why; a participant invited by phone without an account confirms with an SMS code."""

import html
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import signing
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse
from django.utils import timezone

from deliberation import sms
from meetings.models import Attendance, LiveEvent, Meeting, ParticipantRole, Party
from meetings.services import checkin, minutes
from meetings.signing import CHECKIN_MAX_AGE, CHECKIN_SALT
from tests.factories import UserFactory, add_participant, community_worker, in_english, make_meeting

pytestmark = pytest.mark.django_db

PHONE = "+8613912345678"
PASSWORD = "pass-word-123"


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def meeting(community):
    return make_meeting(community, status=Meeting.Status.IN_PROGRESS)


@pytest.fixture
def secretary(meeting):
    return add_participant(meeting, party=Party.COMMUNITY, role=ParticipantRole.SECRETARY, votes=False)


@pytest.fixture
def member(meeting):
    return add_participant(meeting, party=Party.RESIDENTS)


@pytest.fixture
def by_phone(meeting):
    """Invited by phone, without an account (as a worker records a walk-in)."""
    participant = add_participant(meeting, party=Party.PROPERTY)
    participant.user = None
    participant.email = ""
    participant.name = "陈经理"
    participant.phone = PHONE
    participant.save()
    return participant


def link(meeting):
    return checkin.checkin_path(meeting=meeting)


def get(client, url, user=None):
    if user is not None:
        client.force_login(user)
    in_english(client)
    return client.get(url)


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def test_a_participant_is_checked_in_by_the_link_once(client, meeting, member, secretary):
    response = get(client, link(meeting), member.user)
    assert response.status_code == 200
    assert 'id="checkin-done" data-already="false"' in text(response)
    assert "Checked in" in text(response)
    attendance = Attendance.objects.get(meeting=meeting, participant=member)
    assert attendance.by == member.user
    event = LiveEvent.objects.get(meeting=meeting, kind="attendance")
    assert event.payload["participant"] == member.pk and event.client_type == ""

    again = client.get(link(meeting))
    assert again.status_code == 200
    assert 'data-already="true"' in text(again) and "You are already checked in" in text(again)
    assert Attendance.objects.filter(meeting=meeting, participant=member).count() == 1
    assert LiveEvent.objects.filter(meeting=meeting, kind="attendance").count() == 1


def test_the_chinese_confirmation(client, meeting, member):
    client.force_login(member.user)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(link(meeting))
    assert response.status_code == 200 and "已签到" in text(response)


def test_a_link_of_another_meeting_is_refused(client, community, meeting, member):
    other = make_meeting(community)
    response = get(
        client, reverse("meeting_checkin_link", args=[meeting.pk, checkin_token_of(other)]), member.user
    )
    assert response.status_code == 400
    assert "belongs to another meeting" in text(response)
    assert not Attendance.objects.filter(meeting=meeting).exists()


def checkin_token_of(meeting):
    return link(meeting).rstrip("/").rsplit("/", 1)[-1]


def test_an_expired_link_is_refused(client, meeting, member):
    url = link(meeting)
    with time_machine.travel(timezone.now() + timedelta(seconds=CHECKIN_MAX_AGE + 60)):
        response = get(client, url, member.user)
    assert response.status_code == 403
    assert "This check-in link has expired" in text(response)
    assert not Attendance.objects.filter(meeting=meeting).exists()
    # Within the 12 hours it works.
    with time_machine.travel(timezone.now() + timedelta(seconds=CHECKIN_MAX_AGE - 60)):
        assert 'data-already="false"' in text(client.get(url))


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "not-a:signed:token",
        # a link of the RSVP mails' salt is not a check-in link
        "SAMEUID",
    ],
)
def test_a_tampered_or_foreign_token_is_refused(client, meeting, member, token):
    if token == "SAMEUID":
        token = signing.TimestampSigner(salt="meetings.participant-link").sign(str(meeting.uid))
    response = get(client, reverse("meeting_checkin_link", args=[meeting.pk, token]), member.user)
    assert response.status_code == 400
    assert "This check-in link is not valid" in text(response)
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_a_token_with_its_signature_altered_is_refused(client, meeting, member):
    token = checkin_token_of(meeting)
    value, stamp, signature = token.rsplit(":", 2)
    altered = f"{value}:{stamp}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    response = get(client, reverse("meeting_checkin_link", args=[meeting.pk, altered]), member.user)
    assert response.status_code == 400 and not Attendance.objects.exists()
    assert signing.TimestampSigner(salt=CHECKIN_SALT).unsign(token)  # the original is genuine


def test_a_closed_meeting_refuses_check_in(client, meeting, member):
    url = link(meeting)
    meeting.status = Meeting.Status.CLOSED
    meeting.save(update_fields=["status"])
    response = get(client, url, member.user)
    assert response.status_code == 403 and "finalised" in text(response)
    assert not Attendance.objects.exists()


def test_a_signed_in_non_participant_is_refused(client, community, meeting):
    for user in (UserFactory(), community_worker(community)):
        response = get(client, link(meeting), user)
        assert response.status_code == 403
        assert "You are not on this meeting's list of participants" in text(response)
    assert not Attendance.objects.exists()


def test_an_anonymous_visitor_is_offered_login_and_the_phone(client, meeting):
    response = get(client, link(meeting))
    assert response.status_code == 200
    page = text(response)
    assert f'href="{reverse("account_login")}?next=' in page and 'id="checkin-phone-form"' in page
    assert not Attendance.objects.exists()


def post(client, meeting, data, capture, url=None):
    with capture(execute=True):
        return client.post(url or link(meeting), data)


def sent_code() -> str:
    (message,) = sms.outbox
    assert message.template == "verification_code"
    return message.params["code"]


def test_a_participant_without_an_account_confirms_with_the_sms_code(
    client, meeting, by_phone, django_capture_on_commit_callbacks
):
    in_english(client)
    response = post(
        client, meeting, {"action": "send", "phone": "139 1234 5678"}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    assert "If this number was invited to the meeting, a code has been sent" in text(response)
    assert f'name="phone" value="{PHONE}"' in text(response)
    (message,) = sms.outbox
    assert message.phone == PHONE
    code = sent_code()
    assert re.fullmatch(r"\d{6}", code)
    # Only a hash is kept, never the code (nor the number) itself.
    assert isinstance(caches["default"], LocMemCache)
    stored = b"".join(caches["default"]._cache.values())
    assert code.encode() not in stored and PHONE.encode() not in stored

    done = post(
        client,
        meeting,
        {"action": "confirm", "phone": PHONE, "code": code},
        django_capture_on_commit_callbacks,
    )
    assert done.status_code == 200 and 'data-already="false"' in text(done)
    assert "陈经理" in text(done)
    attendance = Attendance.objects.get(meeting=meeting, participant=by_phone)
    assert attendance.by is None
    assert LiveEvent.objects.get(meeting=meeting, kind="attendance").payload["participant"] == by_phone.pk
    # A code works once.
    again = post(
        client,
        meeting,
        {"action": "confirm", "phone": PHONE, "code": code},
        django_capture_on_commit_callbacks,
    )
    assert again.status_code == 400 and "That code is wrong or has expired" in text(again)


def test_the_code_expires_after_five_minutes(client, meeting, by_phone, django_capture_on_commit_callbacks):
    in_english(client)
    post(client, meeting, {"action": "send", "phone": PHONE}, django_capture_on_commit_callbacks)
    code = sent_code()
    with time_machine.travel(timezone.now() + timedelta(seconds=checkin.CODE_LIFETIME + 5)):
        late = post(
            client,
            meeting,
            {"action": "confirm", "phone": PHONE, "code": code},
            django_capture_on_commit_callbacks,
        )
    assert late.status_code == 400 and "That code is wrong or has expired" in text(late)
    assert not Attendance.objects.exists()


def test_an_unknown_phone_gets_the_same_answer_and_no_sms(
    client, meeting, by_phone, django_capture_on_commit_callbacks
):
    in_english(client)
    # One link for both (a link signed a second later would differ in its timestamp).
    url = link(meeting)
    known = post(client, meeting, {"action": "send", "phone": PHONE}, django_capture_on_commit_callbacks, url)
    unknown = post(
        client, meeting, {"action": "send", "phone": "13800138000"}, django_capture_on_commit_callbacks, url
    )
    assert len(sms.outbox) == 1 and sms.outbox[0].phone == PHONE
    assert known.status_code == unknown.status_code == 200

    def answer(response):
        page = text(response)
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
        return page.replace(PHONE, "N").replace("+8613800138000", "N")

    assert answer(known) == answer(unknown)


def test_wrong_codes_are_limited(client, meeting, by_phone, django_capture_on_commit_callbacks):
    in_english(client)
    post(client, meeting, {"action": "send", "phone": PHONE}, django_capture_on_commit_callbacks)
    code = sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(checkin.CODE_ATTEMPTS_PER_PHONE):
        response = post(
            client,
            meeting,
            {"action": "confirm", "phone": PHONE, "code": wrong},
            django_capture_on_commit_callbacks,
        )
        assert response.status_code == 400 and "That code is wrong or has expired" in text(response)
    blocked = post(
        client,
        meeting,
        {"action": "confirm", "phone": PHONE, "code": code},
        django_capture_on_commit_callbacks,
    )
    assert blocked.status_code == 400 and "Too many wrong codes" in text(blocked)
    assert not Attendance.objects.exists()


def test_sending_is_rate_limited_per_phone(client, meeting, by_phone, django_capture_on_commit_callbacks):
    in_english(client)
    post(client, meeting, {"action": "send", "phone": PHONE}, django_capture_on_commit_callbacks)
    again = post(client, meeting, {"action": "send", "phone": PHONE}, django_capture_on_commit_callbacks)
    assert again.status_code == 400 and "less than a minute ago" in text(again)
    assert len(sms.outbox) == 1
    start = timezone.now()
    for n in range(1, checkin.SENDS_PER_HOUR):  # one more each 70 s: all within the hour
        with time_machine.travel(start + timedelta(seconds=n * (checkin.SEND_INTERVAL + 10))):
            ok = post(client, meeting, {"action": "send", "phone": PHONE}, django_capture_on_commit_callbacks)
            assert ok.status_code == 200, text(ok)[-3000:]
    assert len(sms.outbox) == checkin.SENDS_PER_HOUR
    with time_machine.travel(
        start + timedelta(seconds=checkin.SENDS_PER_HOUR * (checkin.SEND_INTERVAL + 10))
    ):
        over = post(client, meeting, {"action": "send", "phone": PHONE}, django_capture_on_commit_callbacks)
    assert over.status_code == 400 and "Try again in an hour" in text(over)
    assert len(sms.outbox) == checkin.SENDS_PER_HOUR


def test_a_bad_phone_number_is_a_clear_message(client, meeting, django_capture_on_commit_callbacks):
    in_english(client)
    response = post(client, meeting, {"action": "send", "phone": "12ab"}, django_capture_on_commit_callbacks)
    assert response.status_code == 400 and "is not a phone number" in text(response)
    response = post(
        client, meeting, {"action": "confirm", "phone": "x", "code": "1"}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 400 and "is not a phone number" in text(response)
    assert sms.outbox == []


def test_the_phone_flow_refuses_another_meetings_link(client, community, meeting, by_phone):
    other = make_meeting(community)
    in_english(client)
    url = reverse("meeting_checkin_link", args=[meeting.pk, checkin_token_of(other)])
    response = client.post(url, {"action": "send", "phone": PHONE})
    assert response.status_code == 400 and "belongs to another meeting" in text(response)
    assert sms.outbox == []


# --- Who sees the QR code ---------------------------------------------------------------------


def test_the_secretary_sees_the_qr_code_on_the_live_page_and_full_screen(client, meeting, secretary):
    response = get(client, reverse("meeting_live", args=[meeting.pk]), secretary.user)
    page = text(response)
    match = re.search(r'data-checkin-url="([^"]+)"', page)
    assert match and "/checkin/" in match.group(1)
    assert '<svg viewBox="' in page and 'id="checkin-qr-screen"' in page
    screen = client.get(reverse("meeting_checkin_qr", args=[meeting.pk]))
    assert screen.status_code == 200
    screen_page = text(screen)
    assert meeting.title in screen_page and '<svg viewBox="' in screen_page
    assert f'<strong id="checkin-code">{minutes.live_state(meeting).checkin_code}</strong>' in screen_page


def test_others_do_not_see_the_qr_code(client, community, meeting, member):
    live = reverse("meeting_live", args=[meeting.pk])
    screen = reverse("meeting_checkin_qr", args=[meeting.pk])
    for user in (member.user, UserFactory()):
        assert "data-checkin-url" not in text(get(client, live, user))
        assert client.get(screen).status_code == 403
    client.logout()
    assert "data-checkin-url" not in text(client.get(live))
    assert client.get(screen).status_code == 302  # to log in
    # A community worker may check people in, so sees it too.
    assert "data-checkin-url" in text(get(client, live, community_worker(community)))


def test_no_qr_code_once_the_meeting_is_closed(client, meeting, secretary):
    meeting.status = Meeting.Status.CLOSED
    meeting.save(update_fields=["status"])
    assert "data-checkin-url" not in text(
        get(client, reverse("meeting_live", args=[meeting.pk]), secretary.user)
    )


def test_an_anonymous_participant_who_logs_in_is_checked_in(client, meeting, member):
    """ "Log in" on the link's page comes back to the link, which checks the person in."""
    in_english(client)
    path = link(meeting)
    page = text(client.get(path))
    login_url = re.search(r'href="([^"]+)" id="checkin-login"', page).group(1)
    assert login_url == reverse("account_login") + "?" + urlencode({"next": path})
    member.user.set_password(PASSWORD)
    member.user.save()
    response = client.post(login_url, {"login": member.user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == path
    done = client.get(path)
    assert done.status_code == 200 and 'data-already="false"' in text(done)
    assert Attendance.objects.filter(meeting=meeting, participant=member).exists()


def test_a_refusal_does_not_show_a_members_only_meetings_title_to_strangers(client, community):
    private = make_meeting(community, visibility=Meeting.Visibility.MEMBERS)
    private.title = "业主委员会内部会议"
    private.save(update_fields=["title"])
    url = reverse("meeting_checkin_link", args=[private.pk, "garbage"])
    in_english(client)
    refused = client.get(url)
    assert refused.status_code == 400 and "This check-in link is not valid" in text(refused)
    assert private.title not in text(refused)
    # A participant of it sees which meeting the refusal is about.
    participant = add_participant(private)
    assert private.title in text(get(client, url, participant.user))
