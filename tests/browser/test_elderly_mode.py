"""长辈模式 (elderly mode) in the page, and no sideways scrolling at 360 px anywhere.

In the mode, on the key pages (home, hall, a request, the submit form, a meeting, the live page,
the statistics), in Chinese and English: axe finds nothing serious or critical; every visible
piece of text is at least 18 px with headings larger, every line is spaced at least 1.3, and all
text stands out from its background at 7:1 or more (the norm asks 4.5:1, and 7:1 for body text
where possible); the buttons, fields and header links are at least 44 px high; nothing moves by
itself (no running animation, no autoplay, no smooth scrolling); on home and hall the main
actions come first. All of it is measured in the page. On every page, in both modes and both
languages, the page is no wider than a 360 px phone.

One context per language and mode; the person changes by swapping the session cookie. The mode
comes from the account for a signed-in person and from the cookie for a visitor (both set here);
the switch itself is pressed once, without JavaScript's help, in ``test_the_switch``.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from cms.middleware import ELDERLY_COOKIE_NAME
from deliberation.models import User
from deliberation.selectors import hall_url, request_url
from meetings.models import Motion, Resolution
from meetings.selectors import meetings_url
from meetings.services import motions
from tests.factories import UserFactory, four_parties, make_meeting

from .helpers import BROWSER, PHONE, assert_accessible, shot

pytestmark = BROWSER

LANGUAGES = ["zh-hans", "en"]

#: The pages the mode is measured on: (name, who is signed in). Paths come from ``_paths``.
KEY_PAGES = [
    ("home", None),
    ("hall", "resident"),
    ("request", None),
    ("submit", "resident"),
    ("meeting", "worker"),
    ("live", "worker"),
    ("statistics", None),
]

#: Every other page, as a role that can see it; each is also checked for sideways scrolling.
OTHER_PAGES = [
    ("hall-anonymous", None),
    ("request-as-worker", "worker"),
    ("community", None),
    ("login", None),
    ("signup", None),
    ("profile", "resident"),
    ("join", "outsider"),
    ("work", "worker"),
    ("members", "worker"),
    ("roster", "worker"),
    ("inbox", "worker"),
    ("outbox", "worker"),
    ("meetings", "worker"),
    ("meeting-new", "worker"),
    ("resolutions", None),
    ("resolution", None),
    ("live-public", None),
    ("street-statistics", "street"),
    ("record", "worker"),
    ("password-reset", None),
    ("emails", "resident"),
    ("meeting-resolutions", None),
    ("minutes", None),
    ("login-code", None),
    ("checkin-qr", "worker"),
    ("my-requests", "resident"),
]

# Visible elements with their own text: each one's font size and line spacing.
TEXT_SIZES = """() => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => {
    const [r, g, b] = rgb(c).slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor, parts = rgb(c);
      if (parts.length === 3 || (parts.length === 4 && parts[3] === 1)) return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.visually-hidden, .skip-link, script, style, template, option')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden') continue;
    const size = parseFloat(cs.fontSize);
    const line = cs.lineHeight === 'normal' ? 0 : parseFloat(cs.lineHeight);
    out.push({tag: el.tagName.toLowerCase(), cls: el.className || '', text: el.textContent.trim().slice(0, 30),
              size, ratio: line / size, heading: /^H[1-6]$/.test(el.tagName),
              contrast: contrast(cs.color, background(el))});
  }
  return {body: parseFloat(getComputedStyle(document.body).fontSize), items: out};
}"""

# The things a finger presses: buttons, fields, header links, the big action links, summaries,
# and the labels of check boxes and radio buttons.
TARGETS = """() => {
  const sel = 'button, .button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, '
    + '.site-nav a, .elderly-actions a, summary, label:has(> input[type=checkbox]), label:has(> input[type=radio]), '
    + '.pagination a';
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('.visually-hidden, .skip-link')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    out.push({tag: el.tagName.toLowerCase(), text: (el.textContent || el.name || '').trim().slice(0, 30),
              height: Math.round(r.height * 10) / 10});
  }
  return out;
}"""


@pytest.fixture
def resolution(world):
    """A passed resolution of 幸福社区 (its page is the 公示 people forward)."""
    meeting = make_meeting(world.community, items=1)
    people = four_parties(meeting)
    event = motions.motion_open(
        meeting=meeting, by=people["chair"].user, text="北门加装两盏路灯", agenda_item=None
    )
    motion = Motion.objects.get(pk=event.payload["id"])
    motions.ballot_cast(motion=motion, by=people["committee"].user, choice="for")
    motions.motion_close(motion=motion, by=people["chair"].user)
    return Resolution.objects.get(motion=motion)


def _paths(world, hall_request, live_meeting, resolution) -> dict:
    community = world.community
    meeting = live_meeting[0]
    return {
        "home": "/",
        "hall": hall_url(community),
        "hall-anonymous": hall_url(community),
        "request": request_url(hall_request),
        "request-as-worker": request_url(hall_request),
        "submit": hall_url(community, "request_new"),
        "meeting": f"/meetings/{meeting.pk}/",
        "live": f"/meetings/{meeting.pk}/live/",
        "live-public": f"/meetings/{meeting.pk}/live/",
        "statistics": f"/communities/{community.pk}/statistics/",
        "community": community.url,
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "profile": "/profile/",
        "join": f"/communities/{community.pk}/join/",
        "work": "/work/",
        "members": f"/communities/{community.pk}/members/",
        "roster": f"/communities/{community.pk}/roster/",
        "inbox": "/inbox/",
        "outbox": f"/communities/{community.pk}/outbox/",
        "meetings": meetings_url(community),
        "meeting-new": meetings_url(community, "meeting_create"),
        "resolutions": f"/communities/{community.pk}/resolutions/",
        "resolution": f"/resolutions/{resolution.pk}/",
        "street-statistics": f"/streets/{world.street.pk}/statistics/",
        "record": hall_url(community, "request_record"),
        "password-reset": "/accounts/password/reset/",
        "emails": "/accounts/email/",
        "meeting-resolutions": f"/meetings/{resolution.meeting_id}/resolutions/",
        "minutes": f"/meetings/{resolution.meeting_id}/minutes/print/",
        "login-code": "/accounts/login/code/",
        "checkin-qr": f"/meetings/{meeting.pk}/live/checkin/qr/",
        "my-requests": reverse("my_requests"),
    }


class Visitor:
    """One browser context (a language and a mode) whose person changes by session cookie."""

    def __init__(self, new_context, base_url, language, elderly):
        self.base_url = base_url
        self.elderly = elderly
        self.context = new_context(language=language)
        self.context.add_cookies(
            [{"name": ELDERLY_COOKIE_NAME, "value": "1" if elderly else "0", "url": base_url}]
        )
        self.page = self.context.new_page()
        self.sessions = {}

    def as_user(self, user):
        if user is None:
            self.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
            return
        if user.pk not in self.sessions:
            User.objects.filter(pk=user.pk).update(elderly_mode=self.elderly)  # the account decides
            client = Client()
            client.force_login(user)
            self.sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": self.sessions[user.pk], "url": self.base_url}]
        )

    def open(self, path):
        response = self.page.goto(self.base_url + path)
        assert response.status == 200, f"{path} answered {response.status}"
        self.page.wait_for_load_state("load")
        if self.page.locator("header.site-header").count():  # not the door's full-screen QR page
            in_mode = self.page.evaluate("document.documentElement.classList.contains('elderly')")
            assert in_mode == self.elderly, f"{path}: elderly class is {in_mode}"

    def width(self) -> int:
        return self.page.evaluate("document.documentElement.scrollWidth")


def _wide_elements(page) -> list:
    """What sticks out past the right edge (for the failure message)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361)
          .slice(0, 6).map(e => e.tagName.toLowerCase() + '.' + (e.className || '') + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )


@pytest.fixture
def everything(world, hall_request, live_meeting, resolution):
    users = {
        None: None,
        "resident": world.resident,
        "worker": world.worker,
        "outsider": world.outsider,
        "street": UserFactory(street_office=world.street, display_name="街道老赵"),
    }
    return _paths(world, hall_request, live_meeting, resolution), users


@pytest.mark.parametrize("language", LANGUAGES)
def test_elderly_mode_on_the_key_pages_and_no_sideways_scroll_anywhere(
    language, everything, live_server, new_context
):
    paths, users = everything
    visitor = Visitor(new_context, live_server.url, language, elderly=True)
    problems = []
    for name, who in KEY_PAGES:
        visitor.as_user(users[who])
        visitor.open(paths[name])
        page = visitor.page
        where = f"{name} ({language}, elderly)"
        assert_accessible(page, where)

        sizes = page.evaluate(TEXT_SIZES)
        assert sizes["body"] >= 18, f"{where}: body text is {sizes['body']} px"
        for item in sizes["items"]:
            if item["size"] < 18:
                problems.append(f"{where}: {item['tag']}.{item['cls']} '{item['text']}' is {item['size']} px")
            if item["ratio"] < 1.3:
                problems.append(
                    f"{where}: {item['tag']}.{item['cls']} '{item['text']}' line spacing {item['ratio']:.2f}"
                )
            if item["contrast"] < 7:  # the norm's 4.5:1 is axe's; body text aims at 7:1
                problems.append(f"{where}: '{item['text']}' has a contrast of {item['contrast']:.1f}:1")
            if item["heading"] and item["size"] <= sizes["body"]:
                problems.append(f"{where}: heading '{item['text']}' is not larger than the text")
        headings = [item for item in sizes["items"] if item["heading"]]
        assert headings, f"{where}: no heading measured"

        targets = page.evaluate(TARGETS)
        assert targets, f"{where}: nothing to press was measured"
        for target in targets:
            if target["height"] < 44:
                problems.append(f"{where}: {target['tag']} '{target['text']}' is {target['height']} px high")

        if visitor.width() > 360:
            problems.append(f"{where}: {visitor.width()} px wide: {_wide_elements(page)}")
        moving = page.evaluate(
            """() => ({animations: document.getAnimations().length,
                       marquees: document.querySelectorAll('marquee, [autoplay]').length,
                       scroll: getComputedStyle(document.documentElement).scrollBehavior})"""
        )
        assert moving == {"animations": 0, "marquees": 0, "scroll": "auto"}, f"{where}: {moving}"
        if name in ("home", "hall"):
            # The main actions come first: the block of big buttons is above the page's own content.
            actions = page.locator(".elderly-actions a")
            assert actions.count() >= 3, f"{where}: the main actions are missing"
            top = page.locator(".elderly-actions").bounding_box()["y"]
            assert top < 740, f"{where}: the main actions are not on the first screen"
        if name == "hall" and language == "zh-hans":
            path_png = shot(page, "elderly-hall-zh-hans", always=True)
            if os.environ.get("DOCS_SCREENSHOTS"):  # refresh the committed docs/screenshots/elderly-hall.png
                page.evaluate("window.scrollTo(0, 0)")
                docs_png = Path(settings.BASE_DIR) / "docs" / "screenshots" / "elderly-hall.png"
                page.screenshot(path=str(docs_png), full_page=False)
            assert path_png.exists()

    for name, who in OTHER_PAGES:
        visitor.as_user(users[who])
        visitor.open(paths[name])
        if visitor.width() > 360:
            problems.append(
                f"{name} ({language}, elderly): {visitor.width()} px wide: {_wide_elements(visitor.page)}"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_sideways_scroll_at_360_px_in_the_normal_mode(language, everything, live_server, new_context):
    paths, users = everything
    visitor = Visitor(new_context, live_server.url, language, elderly=False)
    problems = []
    for name, who in KEY_PAGES + OTHER_PAGES:
        visitor.as_user(users[who])
        visitor.open(paths[name])
        if visitor.width() > 360:
            problems.append(f"{name} ({language}): {visitor.width()} px wide: {_wide_elements(visitor.page)}")
    assert not problems, "\n".join(problems)


def test_the_switch_turns_the_mode_on_without_javascript_and_comes_back(world, live_server, chromium):
    """A visitor presses 长辈模式 (scripts off): the same page comes back in the mode, the cookie
    keeps it; signed in, the account keeps it too."""
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    path = f"/communities/{world.community.pk}/statistics/?x=1"
    page.goto(live_server.url + path)
    switch = page.locator(".elderly-switch button")
    assert switch.get_attribute("aria-pressed") == "false" and switch.inner_text() == "长辈模式"
    switch.click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    assert page.evaluate("document.documentElement.className") == "elderly"
    assert page.locator(".elderly-switch button").get_attribute("aria-pressed") == "true"
    page.goto(live_server.url + "/")
    assert page.evaluate("document.documentElement.className") == "elderly"
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert cookies[ELDERLY_COOKIE_NAME] == "1"

    client = Client()
    client.force_login(world.resident)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(live_server.url + "/profile/")  # the account says off, and wins
    assert page.evaluate("document.documentElement.className") == ""
    page.locator(".elderly-switch button").click()
    page.wait_for_url(re.compile(r"/profile/$"))
    world.resident.refresh_from_db()
    assert world.resident.elderly_mode is True
    assert page.locator("input[name=elderly_mode]").is_checked()
    context.close()


def test_docs_screenshot_is_small():
    """The README's phone screenshot of the mode stays under 200 KB."""
    docs_png = Path(settings.BASE_DIR) / "docs" / "screenshots" / "elderly-hall.png"
    assert docs_png.exists() and docs_png.stat().st_size < 200_000
