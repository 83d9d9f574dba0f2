"""Steps of the user journeys, as a person does them in the browser.

Each step takes a Playwright page (one person) and the server's base URL, and finds elements by
their form field names or stable ids rather than by their (translated) text, so the same steps
run in Chinese and in English (journey 4). Later steps — submitting a request with a photo,
supporting it, the meeting and the live minutes — are added here the same way.
"""

import re

from django.core import mail
from playwright.sync_api import expect

from deliberation.selectors import hall_url
from meetings.selectors import meetings_url

from .helpers import DESKTOP, PASSWORD, PHONE, shot

CONFIRM_LINK = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/")


def sign_up(
    page, base_url: str, *, email: str, name: str, password: str = PASSWORD, screenshot: str = ""
) -> None:
    page.goto(f"{base_url}/accounts/signup/")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=display_name]").fill(name)
    page.locator("input[name=password1]").fill(password)
    page.locator("input[name=password2]").fill(password)
    if screenshot:
        shot(page, screenshot)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))


def mails_to(email: str) -> list:
    """Messages in the test outbox (live_server runs in this process) addressed to ``email``."""
    return [message for message in mail.outbox if email in message.to]


def confirmation_link(email: str) -> str:
    """The verification link from the last mail sent to ``email``."""
    messages = mails_to(email)
    assert messages, f"no mail to {email} in {[m.to for m in mail.outbox]}"
    match = CONFIRM_LINK.search(messages[-1].body)
    assert match, f"no confirmation link in: {messages[-1].body}"
    return match.group(0)


def verify_email(page, base_url: str, *, email: str, screenshot: str = "") -> None:
    link = confirmation_link(email)
    page.goto(base_url + link[link.index("/accounts/") :])
    if screenshot:
        shot(page, screenshot)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def log_in(page, base_url: str, *, email: str, password: str = PASSWORD, screenshot: str = "") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    if screenshot:
        shot(page, screenshot)
    page.locator("main form button[type=submit]").click()
    # Each role lands where its work is (selectors.landing_url_for); someone without a role on
    # their account page.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.wait_for_load_state()


def ask_to_join(
    page,
    base_url: str,
    *,
    community,
    building: str,
    unit: str,
    room: str,
    tenure: str = "owner",
    screenshot: str = "",
) -> None:
    """From the community page, follow "join", name the household and send the request."""
    page.goto(base_url + community.url)
    page.locator(f"a[href$='/communities/{community.pk}/join/']").click()
    page.wait_for_url(re.compile(rf"/communities/{community.pk}/join/$"))
    page.locator("select[name=building]").select_option(building)
    page.locator("input[name=unit]").fill(unit)
    page.locator("input[name=room]").fill(room)
    page.locator(f"input[name=tenure][value={tenure}]").check()
    if screenshot:
        shot(page, screenshot)
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/profile/$"))


def approve_membership(page, base_url: str, *, community, membership, screenshot: str = "") -> None:
    """A community worker verifies a pending request on the members page."""
    page.goto(f"{base_url}/communities/{community.pk}/members/")
    request = page.locator(f"#membership-{membership.pk}")
    if screenshot:
        shot(page, screenshot)
    request.locator(f"form[action$='/{membership.pk}/approve/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/communities/{community.pk}/members/$"))


# --- the deliberation hall ---------------------------------------------------------------------

TRACKING = re.compile(r"SQ-\d{4}-\d{6}")


def make_photo(path, *, size=(480, 360), colour=(200, 120, 60)):
    """A small JPEG, as a phone camera would give (Pillow, no fixture file)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).rectangle([40, 40, size[0] - 40, size[1] - 40], outline=(255, 255, 255), width=8)
    image.save(path, "JPEG", quality=80)
    return path


def submit_request(
    page,
    base_url: str,
    *,
    community,
    title: str,
    description: str,
    location: str,
    photo,
    screenshot: str = "",
) -> str:
    """From the hall, follow "submit", fill the form with a photo, send it; → the tracking number."""
    new = hall_url(community, "request_new")
    page.goto(f"{base_url}{hall_url(community)}")
    page.locator(f"a[href$='{new}']").click()
    page.wait_for_url(re.compile(re.escape(new) + "$"))
    page.locator("input[name=title]").fill(title)
    page.locator("textarea[name=description]").fill(description)
    page.locator("select[name=category]").select_option(index=0)
    page.locator("input[name=location]").fill(location)
    page.locator("input[name=photos]").set_input_files(str(photo))
    if screenshot:
        shot(page, screenshot)
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/requests/SQ-\d{4}-\d{6}/$"))
    return TRACKING.search(page.url).group(0)


def support(page, base_url: str, *, tracking_number: str) -> None:
    """A neighbour opens the request and presses 附议."""
    page.goto(f"{base_url}/requests/{tracking_number}/")
    page.locator(f"form[action$='/requests/{tracking_number}/support/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/requests/{tracking_number}/$"))
    page.locator(f"form[action$='/requests/{tracking_number}/withdraw/']").wait_for()


# --- four-party meetings -----------------------------------------------------------------------

MEETING_URL = re.compile(r"/meetings/(\d+)/$")


def convene_meeting(page, base_url: str, *, community, title: str, place: str, screenshot: str = "") -> int:
    """A worker creates a draft four-party meeting from the community's meeting list; → its id."""
    new = meetings_url(community, "meeting_create")
    page.goto(f"{base_url}{meetings_url(community)}")
    page.locator(f"a[href$='{new}']").click()
    page.wait_for_url(re.compile(re.escape(new) + "$"))
    page.locator("input[name=title]").fill(title)
    page.locator("select[name=kind]").select_option("four_party")
    page.locator("input[name=place]").fill(place)
    if screenshot:
        shot(page, screenshot)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(MEETING_URL)
    return int(MEETING_URL.search(page.url).group(1))


def add_request_to_agenda(page, *, request) -> None:
    """On the meeting page: tick the request among the hall's suggestions and put it on the agenda."""
    form = page.locator("#agenda form[action$='/agenda/from-requests/']")
    form.locator(f"input[name=request][value='{request.pk}']").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def add_participant(
    page, *, party: str, member=None, name: str = "", email: str = "", language: str = ""
) -> None:
    """On the meeting page: someone with an account (``member``) or by name and email only."""
    page.locator("#parties details summary").click()
    form = page.locator("#parties form[action$='/participants/']")
    if member is not None:
        form.locator("select[name=member]").select_option(str(member.pk))
    else:
        form.locator("input[name=name]").fill(name)
        form.locator("input[name=email]").fill(email)
        if language:
            form.locator("select[name=language]").select_option(language)
    form.locator("select[name=party]").select_option(party)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def open_time_poll(page, *, candidates) -> None:
    """Candidates: (start, end) as "YYYY-MM-DDTHH:MM" strings in Beijing time."""
    page.locator("#invite details summary").click()
    form = page.locator("#invite form[action$='/poll/']")
    for i, (start, end) in enumerate(candidates, start=1):
        form.locator(f"input[name=start_{i}]").fill(start)
        form.locator(f"input[name=end_{i}]").fill(end)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


RESPOND_LINK = re.compile(r"https?://[^\s\"<>]+(/meetings/respond/[^\s\"<>/?]+/)")


def respond_link(email: str) -> str:
    """The signed-link path from the last meeting mail sent to ``email`` (no account needed)."""
    messages = mails_to(email)
    assert messages, f"no mail to {email} in {[m.to for m in mail.outbox]}"
    match = RESPOND_LINK.search(messages[-1].body)
    assert match, f"no answer link in: {messages[-1].body}"
    return match.group(1)


def calendar_parts(message) -> list:
    """The ``text/calendar`` parts of a sent mail, parsed with icalendar."""
    from icalendar import Calendar

    return [
        Calendar.from_ical(part.get_payload(decode=True))
        for part in message.message().walk()
        if part.get_content_type() == "text/calendar"
    ]


# --- live minutes (daphne workers) -------------------------------------------------------------

MOTION = "由物业公司在两周内完成北门停车场路灯检修，费用按规定程序列支。"


def live_contexts(new_context, people, workers, language="zh-hans"):
    """One browser per party, spread over ``workers`` in turn; → {party: page}."""
    pages = {}
    for i, (party, user) in enumerate(people.items()):
        base = workers[i % len(workers)].url
        context = new_context(
            viewport=DESKTOP if party == "community" else PHONE, language=language, user=user, base_url=base
        )
        context.set_default_navigation_timeout(20_000)
        pages[party] = (context, base)
    return pages


def goto_live(context, base, meeting):
    page = context.new_page()
    page.goto(f"{base}/meetings/{meeting.pk}/live/")
    page.locator("#live-connection[data-state=connected]").wait_for()
    return page


def run_meeting_core(pages, meeting, *, screenshots: str = ""):
    """Start, check in the four parties, a minute entry and the motion voted by all four.

    ``pages`` maps party → a live page (the community's page chairs). Returns the motion id.
    """
    chair = pages["community"]
    chair.locator("#meeting-start").click()
    chair.locator("#meeting-close").wait_for()
    chair.locator("#live-connection[data-state=connected]").wait_for()

    for party in ("committee", "property", "residents", "community"):
        chair.locator(f"ul[data-party={party}] .checkin-form button").first.click()
        chair.locator(f"ul[data-party={party}] li[data-present=true]").wait_for()
    for page in pages.values():  # every browser, whatever its worker, sees the quorum
        page.locator("#quorum[data-ok=true]").wait_for()
    if screenshots:
        shot(chair, f"{screenshots}-01-quorum")

    chair.locator("#entry-text").fill("刘主任：北门停车场两盏路灯损坏已两周，居民反映强烈。")
    chair.locator("#entry-submit").click()
    for page in pages.values():
        page.locator("#minutes-list li.entry .entry-text", has_text="北门停车场两盏路灯").wait_for()
    # The box is cleared by the server's acknowledgement, which may come after the entry's broadcast
    # (two workers sharing Redis): wait for it, then the same assertion.
    expect(chair.locator("#entry-text")).to_have_value("")
    assert chair.locator("#entry-text").input_value() == ""

    chair.locator("#motions details.console summary").click()
    chair.locator("#motion-text").fill(MOTION)
    chair.locator("#motion-rule").select_option("four_party_consensus")
    chair.locator("#motion-form button[type=submit]").click()
    motion = chair.locator(".motion[data-rule=four_party_consensus][data-status=open]")
    motion.wait_for()
    motion_id = motion.get_attribute("data-motion-id")

    for page in pages.values():
        article = page.locator(f"#motion-{motion_id}")
        article.locator(".ballot-form button.vote-for").click()
        article.locator(".my-vote[data-choice=for]").wait_for()
    for page in pages.values():
        page.locator(f"#motion-{motion_id} .tally [data-figure=for]", has_text="4").first.wait_for()
    if screenshots:
        shot(pages["residents"], f"{screenshots}-02-voted")
    return motion_id
