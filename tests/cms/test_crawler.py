"""Hostile crawler: every URL pattern, every form, every demo role, and never a 5xx.

The demo (``seed_demo``) gives real ids. Each pattern of ``get_resolver()`` is visited with each of
its path parameters replaced in turn by a hostile value (the others real), then every form found
on the pages is submitted with hostile values: once with every field hostile and once with the
choice fields left at a real option so that the hostile text reaches the services. Responses are
counted, never raised (``raise_request_exception=False``); the exceptions behind any 5xx are
collected and printed with the URL, so a failure says what broke and where.

One test per part of the crawl, so that pytest-xdist spreads it over the workers: the hostile
paths anonymously and as the admin, then the real ids as each role (every role sends every
hostile payload to every form it sees), each on the demo as seeded. Each part sends at least its
``FLOOR`` of requests; the floors add up to more than 2000.

Skipped, and why: Wagtail's admin (``/admin/``), Django's admin (``/django-admin/``) and Wagtail's
document serving (``/documents/``) are the libraries' own views, tested upstream, reached only by
staff, and not part of this site's code; crawling their hundreds of patterns would also take
minutes. The site's Wagtail pages are crawled through their real URLs and the page catch-all.
"""

import re
import time
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import django.test.client
import pytest
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from wagtail.models import Page

from cms.models import CommunityPage, StreetOfficePage
from deliberation.demo.people import ACCOUNTS
from deliberation.models import Membership, Notification, Request, User
from deliberation.services.memberships import membership_request
from meetings.demo import convening as meetings_demo
from meetings.demo import live as demo_live
from meetings.models import Meeting
from meetings.signing import participant_token

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/", "django-admin/", "documents/")
HOSTILE_PATH = ["abc", "99999999999999999999999", "-1", "0", "社区", "%00"]
HUGE = "99999999999999999999999"
GENERIC_FIELDS = [
    "id",
    "participant",
    "slot",
    "request",
    "member",
    "owner",
    "title",
    "reason",
    "text",
    "code",
]


class FormParser(HTMLParser):
    """Every ``<form>`` with its action, method and fields (with the options a select offers)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "action": attrs.get("action") or "",
                "method": (attrs.get("method") or "get").lower(),
            }
            self._form["fields"] = {}
            self.forms.append(self._form)
        elif self._form is None or not attrs.get("name"):
            return
        elif tag in ("input", "textarea"):
            kind = attrs.get("type", "text" if tag == "input" else "textarea").lower()
            if kind in ("submit", "button", "image", "reset"):
                if attrs.get("value") is not None:
                    self._form["fields"].setdefault(attrs["name"], {"kind": "choice", "options": []})
                    self._form["fields"][attrs["name"]]["options"].append(attrs.get("value", ""))
                return
            field = self._form["fields"].setdefault(attrs["name"], {"kind": kind, "options": []})
            if kind in ("radio", "checkbox", "hidden"):
                field["options"].append(attrs.get("value", "on"))
        elif tag == "select":
            self._select = self._form["fields"].setdefault(attrs["name"], {"kind": "select", "options": []})
        elif tag == "option" and self._select is not None:
            if attrs.get("value"):
                self._select["options"].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def leaf_patterns(resolver=None, prefix=""):
    """(route text, pattern) for every leaf, the prefixes of included resolvers joined on."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        text = prefix + _pattern_text(entry.pattern)
        if isinstance(entry, URLResolver):
            if text.startswith(SKIPPED_PREFIXES):
                continue
            yield from leaf_patterns(entry, text)
        elif isinstance(entry, URLPattern):
            yield text, entry


def _pattern_text(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return str(pattern._route)
    assert isinstance(pattern, RegexPattern)
    return pattern._regex.lstrip("^").rstrip("$").rstrip("\\Z")


PARAM = re.compile(
    r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>(?P<rbody>(?:[^()]|\([^()]*\))*)\)"
)


def params_of(route: str) -> list[tuple[str, list[str]]]:
    """The parameters of a route, with the fixed alternatives of a regex group (``approve|reject``)."""
    found = []
    for match in PARAM.finditer(route):
        if match["name"]:
            found.append((match["name"], []))
        else:
            body = match["rbody"]
            options = body.split("|") if re.fullmatch(r"[\w|-]+", body) else []
            found.append((match["rname"], options))
    return found


def fill(route: str, values: dict[str, str]) -> str:
    def replace(match):
        return values[match["name"] or match["rname"]]

    url = "/" + PARAM.sub(replace, route)
    url = re.sub(r"\(\?:[^()]*\)[*?]", "", url)  # optional groups of a regex route
    return url.replace("\\.", ".").replace("\\", "")


def real_values(demo) -> list[dict[str, str]]:
    """Consistent sets of real ids: one per demo meeting (with its participant, item, motion...)."""
    community = demo["community"]
    common = {
        "community_id": str(community.pk),
        "street_id": str(demo["street"].pk),
        "membership_id": str(
            Membership.objects.filter(community=community, status=Membership.Status.PENDING)
            .order_by("pk")
            .first()
            .pk
        ),
        "notification_id": str(Notification.objects.order_by("pk").first().pk),
        "ref": Request.objects.filter(community=community).order_by("pk").first().tracking_number,
        "resolution_id": "",
        "action_id": "",
    }
    sets = []
    for meeting in Meeting.objects.filter(community=community).order_by("pk"):
        participant = meeting.participants.order_by("pk").first()
        item = meeting.agenda_items.order_by("pk").first()
        motion = meeting.motions.order_by("pk").first()
        resolution = meeting.resolutions.order_by("pk").first()
        action = resolution.actions.order_by("pk").first() if resolution else None
        values = dict(common)
        values.update(
            meeting_id=str(meeting.pk),
            participant_id=str(participant.pk) if participant else "1",
            item_id=str(item.pk) if item else "1",
            motion_id=str(motion.pk) if motion else "1",
            resolution_id=str(resolution.pk) if resolution else common["resolution_id"] or "1",
            action_id=str(action.pk) if action else common["action_id"] or "1",
            token=participant_token(participant) if participant else "x",
        )
        if resolution:
            common["resolution_id"], common["action_id"] = values["resolution_id"], values["action_id"]
        sets.append(values)
    return sets


class Crawl:
    def __init__(self):
        self.failures: list[str] = []
        self.requests = 0
        self.errors: list[BaseException] = []
        got_request_exception.connect(self._record)

    def _record(self, sender, request=None, **kwargs):
        import sys

        self.errors.append(sys.exc_info()[1])

    def close(self):
        got_request_exception.disconnect(self._record)

    def send(self, client, who, method, url, data=None):
        before = len(self.errors)
        self.requests += 1
        response = client.post(url, data or {}) if method == "post" else client.get(url)
        if response.status_code >= 500:
            cause = self.errors[before] if len(self.errors) > before else None
            cause = f"{type(cause).__name__}: {str(cause)[:160]}" if cause else "no exception"
            self.failures.append(f"{who} {method.upper()} {url} -> {response.status_code} ({cause})")
        return response


def hostile_payloads(fields: dict) -> list[dict]:
    """Every field hostile; then the choices kept at a real option, so the text reaches the service.
    A payload the form would get twice (a form without choices keeps nothing) is sent once."""
    payloads = [{name: value for name in fields} for value in ("x" * 5000, "99999999999999999999999", "")]
    for value in ("a\x00b\x0bc\r\nd", "a\x0bb\r\nc", "<script>alert(1)</script>社区\u202e", "x" * 5000, "-1"):
        keep = {}
        for name, field in fields.items():
            if field["options"]:
                keep[name] = field["options"][0]
            elif field["kind"] in ("datetime-local", "date"):
                keep[name] = "2031-01-02T10:00" if field["kind"] == "datetime-local" else "2031-01-02"
            elif field["kind"] == "email":
                keep[name] = "crawler@example.com"
            elif field["kind"] != "file":
                keep[name] = value
        payloads.append(keep)
    return [payload for i, payload in enumerate(payloads) if payload not in payloads[:i]]


@pytest.fixture
def crawled(seeded_demo, settings):
    """The seeded demo (tests/conftest.py) with its community and street."""
    settings.ALLOWED_HOSTS = ["*"]
    return {
        "community": CommunityPage.objects.get(slug="xingfu"),
        "street": StreetOfficePage.objects.get(slug="daxuexilu"),
    }


# Who the crawl goes as: first the hostile paths (anonymously and as the admin, who passes every
# check), then the real ids as every demo role. One test each, so pytest-xdist spreads the crawl.
HOSTILE_AS = ["anonymous", "admin@demo.cn"]
ROLES = ["anonymous", "outsider", *(email for email, *_rest in ACCOUNTS), "secretary"]
# The fewest requests each test must send (about 85% of what it sends today); together more
# than 2000, as test_the_crawl_is_large checks.
FLOOR = {
    "hostile-anonymous": 500,
    "hostile-admin@demo.cn": 500,
    "real-anonymous": 370,
    "real-outsider": 400,
    "real-resident@demo.cn": 400,
    "real-rep@demo.cn": 430,
    "real-committee@demo.cn": 430,
    "real-property@demo.cn": 440,
    "real-worker@demo.cn": 860,
    "real-street@demo.cn": 410,
    "real-admin@demo.cn": 850,
    "real-secretary": 440,
}


def test_the_crawl_is_large():
    """The whole crawl: more than 2000 requests, as each test sends at least its ``FLOOR``."""
    assert set(FLOOR) == {f"hostile-{who}" for who in HOSTILE_AS} | {f"real-{who}" for who in ROLES}
    assert sum(FLOOR.values()) > 2000


@pytest.fixture
def crawl_world(crawled, monkeypatch):
    """The ids, the URL patterns, the pages and the people of the crawl, and the crawl itself.

    The crawl reads status codes and forms, never ``response.context`` or ``response.templates``:
    the test client does not keep a copy of the context of every template and include rendered.
    """
    monkeypatch.setattr(django.test.client, "store_rendered_templates", lambda *args, **kwargs: None)
    assert Meeting.objects.filter(title=meetings_demo.SCHEDULED_TITLE).exists()
    assert Meeting.objects.filter(title=demo_live.LIVE_TITLE).exists()
    patterns = list(leaf_patterns())
    page_urls = [page.url for page in Page.objects.live().specific() if page.url]
    outsider = User.objects.create_user(username="outsider@demo.cn", email="outsider@demo.cn", password="x")
    # A pending request to join, so the approve and reject forms have something to decide.
    applicant = User.objects.create_user(
        username="applicant@demo.cn", email="applicant@demo.cn", password="x"
    )
    membership_request(
        user=applicant,
        community=crawled["community"],
        building="1号楼",
        unit="1单元",
        room="101",
        tenure="owner",
    )
    sets = real_values(crawled)
    people = {"anonymous": None, "outsider": outsider}
    people.update({email: User.objects.get(email=email) for email, *_rest in ACCOUNTS})
    secretary = Meeting.objects.get(title=demo_live.LIVE_TITLE).participants.get(role="secretary").user
    people["secretary"] = secretary
    assert list(people) == ROLES
    crawl = Crawl()
    yield {"patterns": patterns, "page_urls": page_urls, "sets": sets, "people": people, "crawl": crawl}
    crawl.close()


def _report(crawl, part, started):
    elapsed = time.monotonic() - started
    print(
        f"crawler: {part}: {crawl.requests} requests in {elapsed:.1f} s, {len(crawl.failures)} answered 5xx"
    )
    crawl.failures = sorted(set(crawl.failures))
    for line in crawl.failures:
        print(line)
    assert crawl.requests >= FLOOR[part]
    assert not crawl.failures, "\n".join(crawl.failures)


@pytest.mark.parametrize("who", HOSTILE_AS)
def test_no_hostile_path_answers_5xx(crawl_world, who):
    """Hostile path parameters. Only "0" and a wrong alternative get past the resolver into a
    view, so only they are POSTed."""
    started = time.monotonic()
    crawl, sets = crawl_world["crawl"], crawl_world["sets"]
    hostile_urls, hostile_posts = set(), set()
    for route, _pattern in crawl_world["patterns"]:
        params = params_of(route)
        for name, options in params:
            for bad in HOSTILE_PATH if not options else ["abc"]:
                values = {n: (opts[0] if opts else sets[0].get(n, "1")) for n, opts in params}
                values[name] = bad
                hostile_urls.add(fill(route, values))
                if bad in ("0", "abc"):
                    hostile_posts.add(fill(route, values))
    hostile_urls |= {f"/{bad}/" for bad in HOSTILE_PATH}
    client = _client(crawl_world["people"][who])
    for url in sorted(hostile_urls):
        crawl.send(client, who, "get", url)
    for url in sorted(hostile_posts):
        crawl.send(client, who, "post", url, {name: HUGE for name in GENERIC_FIELDS})
    print(f"crawler: {who}: {len(hostile_urls)} hostile paths")
    _report(crawl, f"hostile-{who}", started)


@pytest.mark.parametrize("who", ROLES)
def test_no_page_and_no_form_answers_5xx(crawl_world, who):
    """Real ids, as one role: GET each page, POST each form found on it with every hostile
    payload. Destructive forms (cancel, close) wait until the end, so the role still meets open
    meetings."""
    started = time.monotonic()
    crawl, sets = crawl_world["crawl"], crawl_world["sets"]
    real_urls = set(crawl_world["page_urls"])
    for route, _pattern in crawl_world["patterns"]:
        params = params_of(route)
        for values in sets if any(n == "meeting_id" for n, _o in params) else sets[:1]:
            choices = [{n: opts[0] if opts else values.get(n, "1") for n, opts in params}]
            for name, options in params:
                for option in options[1:]:
                    choices.append({**choices[0], name: option})
            real_urls |= {fill(route, chosen) for chosen in choices}
    destructive = []
    client = _client(crawl_world["people"][who])
    forms = {}
    for url in sorted(real_urls):
        response = crawl.send(client, who, "get", url)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            parser = FormParser()
            parser.feed(response.content.decode())
            for form in parser.forms:
                action = urljoin(url, form["action"]) if form["action"] else url
                if not urlsplit(action).netloc:
                    forms.setdefault((form["method"], action, tuple(sorted(form["fields"]))), form["fields"])
    posted = {key[1] for key in forms if key[0] == "post"}
    for url in sorted(real_urls - posted):
        crawl.send(client, who, "post", url, {name: HUGE for name in GENERIC_FIELDS})
    for key, fields in sorted(forms.items()):
        if _destructive(key[1]):
            destructive.append((key, fields))
        else:
            _submit(crawl, client, who, key, fields)
    for key, fields in destructive:
        _submit(crawl, client, who, key, fields)
    print(f"crawler: {who}: {len(forms)} forms")
    _report(crawl, f"real-{who}", started)


def _submit(crawl, client, who, key, fields):
    method, action, _names = key
    for payload in hostile_payloads(fields):
        if method == "post":
            crawl.send(client, who, "post", action, payload)
        else:
            crawl.send(client, who, "get", action + "?" + urlencode(payload))


def _destructive(action: str) -> bool:
    return any(word in action for word in ("cancel", "close", "logout", "regenerate", "reject", "remove"))


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client
