"""Issue 9, items 1 and 10 in the browser: on a phone set to New York time the live minutes still
read in Beijing time with the date, for entries on the page and entries arriving live; the
chair's motion form names the current agenda item, and the motion shows the item it decides."""

from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from meetings.models import MinuteEntry, Motion
from meetings.services.minutes import minute_add

from .helpers import BROWSER, DESKTOP, PHONE
from .live_helpers import live_meeting

pytestmark = BROWSER

TIMEOUT = 20_000
SHANGHAI = ZoneInfo("Asia/Shanghai")


def beijing(entry):
    return entry.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def test_times_read_in_beijing_on_any_device_and_the_motion_names_its_item(world, asgi_workers, new_context):
    (worker,) = asgi_workers(1)
    live = live_meeting(world.community, convener=world.worker)
    meeting = live.meeting
    minute_add(meeting=meeting, by=live.secretary.user, kind="note", text="会前记录")
    path = f"/meetings/{meeting.pk}/live/"

    def open_page(user, viewport):
        context = new_context(
            viewport=viewport, user=user, base_url=worker.url, timezone_id="America/New_York"
        )
        page = context.new_page()
        page.goto(worker.url + path)
        expect(page.locator("#live-connection")).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
        return page

    viewer, secretary, chair = (
        open_page(live.viewer.user, PHONE),
        open_page(live.secretary.user, DESKTOP),
        open_page(live.chair.user, DESKTOP),
    )
    assert viewer.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "America/New_York"
    first = MinuteEntry.objects.get(meeting=meeting, text="会前记录")
    expect(viewer.locator(f"[data-entry-id='{first.pk}'] time")).to_have_text(beijing(first))

    secretary.locator("#entry-text").fill("物业：路灯已报修。")
    secretary.locator("#entry-submit").click()
    arrived = viewer.locator("#minutes-list li.entry", has_text="路灯已报修")
    expect(arrived).to_have_count(1, timeout=TIMEOUT)
    entry = MinuteEntry.objects.get(meeting=meeting, text="物业：路灯已报修。")
    expect(arrived.locator("time")).to_have_text(beijing(entry))
    expect(viewer.locator("#meeting-started-at")).to_have_text(
        meeting.live.started_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    )

    item = meeting.agenda_items.get()
    chair.locator("#motions details.console summary").click()
    expect(chair.locator("#motion-agenda_item")).to_have_value(str(item.pk))
    chair.locator("#motion-text").fill("同意报修北门路灯")
    chair.locator("#motion-form button[type=submit]").click()
    shown = viewer.locator(".motion[data-status=open]", has_text="同意报修北门路灯")
    expect(shown.locator(".motion-item")).to_have_attribute("data-agenda-item", str(item.pk), timeout=TIMEOUT)
    expect(shown.locator(".motion-item")).to_contain_text(item.title)
    assert Motion.objects.get(meeting=meeting, text="同意报修北门路灯").agenda_item == item
