"""Issue 12, must-show 4: the secretary's check-in QR code, decoded from the page, checks a
participant in; an expired link and another meeting's link are refused.

Against a daphne worker (the secretary's live page follows the check-in over its WebSocket). The
QR code is read twice: the link the page names (``data-checkin-url``) and the link decoded with
zxing-cpp from a screenshot of the drawn code must be the same. A participant who has not checked
in opens that link in a browser context of their own, is checked in, and the secretary's page
shows them present without a reload. The full-screen page's code decodes to the same meeting.

Screenshots: artifacts/screenshots/qr-checkin-*.png.
"""

import io
import re
from datetime import timedelta

import time_machine
import zxingcpp
from django.core import signing
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from meetings.models import Attendance, Meeting
from meetings.services import convening, minutes
from meetings.signing import CHECKIN_MAX_AGE, CHECKIN_SALT

from .helpers import BROWSER, DESKTOP, PHONE, assert_accessible, shot
from .live_helpers import live_meeting

pytestmark = BROWSER

TIMEOUT = 20_000


def decoded(locator) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in a screenshot of ``locator``."""
    image = Image.open(io.BytesIO(locator.screenshot()))
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_the_secretarys_qr_code_checks_a_participant_in_and_stale_links_are_refused(
    world, asgi_workers, new_context
):
    (worker,) = asgi_workers(1)
    live = live_meeting(world.community, convener=world.worker)
    meeting = live.meeting
    assert not Attendance.objects.filter(participant=live.viewer).exists()

    secretary = new_context(viewport=DESKTOP, user=live.secretary.user, base_url=worker.url).new_page()
    secretary.goto(f"{worker.url}/meetings/{meeting.pk}/live/")
    expect(secretary.locator("#live-connection")).to_have_attribute(
        "data-state", "connected", timeout=TIMEOUT
    )
    qr = secretary.locator("#checkin-qr")
    expect(qr).to_be_visible()
    url = qr.get_attribute("data-checkin-url")
    assert url.startswith(f"{worker.url}/meetings/{meeting.pk}/checkin/")
    assert decoded(qr) == [url]  # the drawn code really encodes the link the page names
    viewer_row = secretary.locator(f'#attendance [data-participant-id="{live.viewer.pk}"]')
    expect(viewer_row).to_have_attribute("data-present", "false")
    shot(secretary, "qr-checkin-secretary")

    # The participant scans it with their phone: checked in at once.
    phone = new_context(viewport=PHONE, user=live.viewer.user, base_url=worker.url).new_page()
    phone.goto(url)
    expect(phone.locator("#checkin-done")).to_have_attribute("data-already", "false")
    expect(phone.locator("#checkin-done")).to_contain_text("已签到")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "qr-checkin-phone-done")
    assert_accessible(phone, "check-in confirmation")
    assert Attendance.objects.filter(meeting=meeting, participant=live.viewer).count() == 1
    # ... and the secretary's page shows it, without a reload.
    expect(viewer_row).to_have_attribute("data-present", "true", timeout=TIMEOUT)
    expect(viewer_row.locator(".presence")).to_contain_text("✔")

    # A phone that is not signed in is offered to log in, or an SMS code for the invited number.
    anonymous = new_context(viewport=PHONE, base_url=worker.url).new_page()
    anonymous.goto(url)
    expect(anonymous.locator("#checkin-login")).to_be_visible()
    expect(anonymous.locator("#checkin-phone-form input[name=phone]")).to_be_visible()
    assert anonymous.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(anonymous, "check-in link, not signed in")
    shot(anonymous, "qr-checkin-phone-anonymous")

    # Scanning again changes nothing.
    phone.goto(url)
    expect(phone.locator("#checkin-done")).to_have_attribute("data-already", "true")
    assert Attendance.objects.filter(meeting=meeting, participant=live.viewer).count() == 1

    # A link made 13 hours ago (a photo of yesterday's screen) is refused.
    with time_machine.travel(timezone.now() - timedelta(seconds=CHECKIN_MAX_AGE + 3600)):
        old = signing.TimestampSigner(salt=CHECKIN_SALT).sign(str(meeting.uid))
    expired = phone.goto(f"{worker.url}/meetings/{meeting.pk}/checkin/{old}/")
    assert expired.status == 403
    expect(phone.locator("#checkin-refused")).to_be_visible()
    expect(phone.locator(".error-reason")).to_contain_text("过期")

    # Another meeting's code, opened on this meeting, is refused; nothing is recorded there either.
    other = convening.meeting_create(community=world.community, by=world.worker, title="业主大会筹备会")
    other_token = signing.TimestampSigner(salt=CHECKIN_SALT).sign(str(other.uid))
    refused = phone.goto(f"{worker.url}/meetings/{meeting.pk}/checkin/{other_token}/")
    assert refused.status == 400
    expect(phone.locator(".error-reason")).to_contain_text("另一场会议")
    shot(phone, "qr-checkin-phone-refused")
    assert_accessible(phone, "check-in refused")
    assert Attendance.objects.filter(meeting=meeting).count() == 4  # three before, the viewer now
    assert not Attendance.objects.filter(meeting=other).exists()

    # The full-screen page, for the door: the big code decodes to this meeting's check-in link.
    secretary.locator("#checkin-qr-screen").click()
    # The live page has a code, a title and a check-in code of its own: wait for the new page
    # first, or the checks below may read the small code (whose link was signed seconds earlier).
    secretary.wait_for_url(f"{worker.url}/meetings/{meeting.pk}/live/checkin/qr/")
    big = secretary.locator("#checkin-qr")
    expect(big).to_have_class(re.compile(r"\bcheckin-qr-big\b"))
    expect(big).to_be_visible()
    expect(secretary.locator("h1")).to_have_text(meeting.title)
    expect(secretary.locator("#checkin-code")).to_have_text(minutes.live_state(meeting).checkin_code)
    (screen_url,) = decoded(big)
    assert screen_url == big.get_attribute("data-checkin-url")
    assert screen_url.startswith(f"{worker.url}/meetings/{meeting.pk}/checkin/")
    shot(secretary, "qr-checkin-screen")
    assert_accessible(secretary, "check-in QR full screen")
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.IN_PROGRESS
