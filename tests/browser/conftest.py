"""Browser fixtures: the system Chromium through Playwright, a seeded 幸福社区, servers.

Journeys and accessibility checks use pytest-django's ``live_server`` (in-process, so
``django.core.mail.outbox`` and the ``settings`` fixture work). Anything that needs WebSockets
or several processes uses ``asgi_workers`` (daphne subprocesses on the same test database).

Every browser test module sets ``pytestmark = BROWSER`` (from helpers): the browser marker and a
transactional database (the server must see committed rows) with
serialized rollback, because the Wagtail page tree comes from a data migration that a flush would erase.
"""

import asyncio
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connections
from django.test import Client
from playwright.sync_api import sync_playwright

from cms.models import CommunityPage, StreetOfficePage
from deliberation.models import Building, Role
from deliberation.services.memberships import membership_request
from tests.factories import (
    HouseholdFactory,
    PropertyCompanyFactory,
    UserFactory,
    make_community,
    make_member,
    make_street,
)

from .helpers import PHONE
from .servers import spawn_daphne, wait_ready

# Debian's Chromium in its headless build (package chromium-headless-shell: the same source and
# version as /usr/bin/chromium, without the desktop browser around it; what Playwright itself runs
# for headless pages). It draws the same pages for well under half the CPU (docs/decisions.md).
# /usr/bin/chromium where the shell is not installed; CHROMIUM=... names another.
CHROMIUM = os.environ.get("CHROMIUM") or next(
    (path for path in ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium") if os.path.exists(path)),
    "/usr/bin/chromium",
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _SessionBrowser:
    """The system Chromium (never a downloaded one), launched once per test session.

    Playwright's sync API runs its event loop in a greenlet of this thread and marks that loop as
    running here after each call. While it is marked, Django refuses ORM calls from a synchronous
    test (so they are allowed during a browser test), keeps a separate connection object for that
    "async" context, and pytest-asyncio could not run its own loop. So the mark is set only for
    the length of a browser test: the next test of the session (a browser test or not) starts
    with no loop running, and pytest-django flushes and restores the database with its own
    connection after the connections of the "async" context are closed.
    """

    def __init__(self):
        self.playwright = sync_playwright().start()
        self.loop = asyncio.get_running_loop()
        self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.pause()

    def resume(self):
        asyncio._set_running_loop(self.loop)

    def pause(self):
        asyncio._set_running_loop(None)

    def stop(self):
        self.resume()
        self.browser.close()
        self.playwright.stop()
        asyncio._set_running_loop(None)


@pytest.fixture(scope="session")
def _session_browser():
    browser = _SessionBrowser()
    yield browser
    browser.stop()


@pytest.fixture
def chromium(_session_browser):
    """The session's Chromium, for one test (see ``_SessionBrowser``)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    _session_browser.resume()
    try:
        yield _session_browser.browser
    finally:
        # Close the connections Django opened for this "async" context, or PostgreSQL
        # refuses to drop the test database at the end (other sessions are using it).
        connections.close_all()
        for context in _session_browser.browser.contexts:
            context.close()
        _session_browser.pause()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(chromium, request):
    """``new_context(viewport=PHONE, language="zh-hans", user=None, base_url=..., timezone_id=None)``
    → a context (``timezone_id``: the device's zone, e.g. ``"America/New_York"``).

    Each context is a separate person (own cookies). ``user`` logs them in by session cookie
    (fast; journeys that prove the login form use ``helpers.log_in`` instead). Closed at the end.
    """
    contexts = []

    def make(*, viewport=PHONE, language="zh-hans", user=None, base_url=None, timezone_id=None):
        base_url = base_url or request.getfixturevalue("live_server").url
        zone = {"timezone_id": timezone_id} if timezone_id else {}
        context = chromium.new_context(
            viewport=viewport, locale="zh-CN" if language == "zh-hans" else "en-US", **zone
        )
        context.set_default_timeout(15_000)
        cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url})
        context.add_cookies(cookies)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@dataclass
class World:
    """幸福社区 under 大学西路街道 with a six-household roster and one account per situation.

    ``worker`` (community worker) and ``resident`` are verified members; ``applicant`` has a
    pending request (so the members page shows the verification forms); ``outsider`` belongs to
    no community. Every email is verified, so all can log in when verification is mandatory.
    Journeys that add the hall or meetings extend this through their own fixtures.
    """

    street: StreetOfficePage
    community: CommunityPage
    worker: object
    resident: object
    applicant: object
    outsider: object
    households: list = field(default_factory=list)


@pytest.fixture
def world(transactional_db):
    street = make_street(title="大学西路街道")
    company = PropertyCompanyFactory(name="宜居物业")
    community = make_community(street=street, title="幸福社区", company=company, threshold=3, slug="xingfu")
    households = []
    for building_name, unit, rooms in [
        ("1号楼", "1单元", ["101", "102", "201", "202"]),
        ("2号楼", "2单元", ["301", "302"]),
    ]:
        building, _ = Building.objects.get_or_create(community=community, name=building_name)
        households += [HouseholdFactory(building=building, unit=unit, room=room) for room in rooms]
    worker = make_member(
        community,
        role=Role.WORKER,
        household=households[0],
        email="worker@xingfu.test",
        display_name="王社工",
    )
    resident = make_member(
        community,
        role=Role.RESIDENT,
        household=households[1],
        email="resident@xingfu.test",
        display_name="李居民",
    )
    applicant = UserFactory(email="applicant@xingfu.test", display_name="赵申请")
    membership_request(
        user=applicant, community=community, building="1号楼", unit="1单元", room="201", tenure="tenant"
    )
    outsider = UserFactory(email="newcomer@xingfu.test", display_name="新居民")
    for user in (worker, resident, applicant, outsider):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return World(
        street=street,
        community=community,
        worker=worker,
        resident=resident,
        applicant=applicant,
        outsider=outsider,
        households=households,
    )


@pytest.fixture
def asgi_workers(transactional_db):
    """``asgi_workers(n, env=None)`` → n daphne workers on the test database (stopped at the end).

    Workers share sessions through the database and, when ``REDIS_URL`` is set, the channel
    layer through Redis. ``.mail_dir`` holds the mail they send (``servers.read_mails``).
    """
    workers = []
    tmp = Path(tempfile.mkdtemp(prefix="cdh-asgi-"))
    mail_dir = tmp / "mail"
    mail_dir.mkdir()

    def start(count=1, env=None):
        started = [spawn_daphne(log_dir=tmp, mail_dir=mail_dir, env=env) for _ in range(count)]
        workers.extend(started)
        return [wait_ready(worker) for worker in started]

    start.mail_dir = mail_dir
    yield start
    for worker in workers:
        worker.stop()
    shutil.rmtree(tmp, ignore_errors=True)


def _jpeg(name="photo.jpg"):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def hall_request(world):
    """A request of ``world.resident`` in 幸福社区's hall, with a photo, accepted by the worker."""
    from deliberation.models import Category
    from deliberation.services.requests import request_accept, request_submit

    created = request_submit(
        community=world.community,
        by=world.resident,
        title="北门停车场照明不足",
        description="北门停车场晚上太暗，两盏路灯坏了。",
        category=Category.objects.order_by("pk").first(),
        location="北门停车场",
        photos=[_jpeg()],
    )
    return request_accept(request=created, by=world.worker)


@pytest.fixture
def polling_meeting(world, hall_request):
    """A four-party meeting of 幸福社区 with one participant per party, an agenda and an open poll."""
    from datetime import timedelta

    from django.utils import timezone

    from meetings.services import convening, polls

    committee = make_member(
        world.community, role=Role.COMMITTEE, email="committee@xingfu.test", display_name="刘主任"
    )
    meeting = convening.meeting_create(
        community=world.community, by=world.worker, title="四方联席会议：北门照明", place="党群服务中心"
    )
    convening.participant_add(meeting=meeting, by=world.worker, party="committee", user=committee)
    convening.participant_add(meeting=meeting, by=world.worker, party="residents", user=world.resident)
    convening.participant_add(meeting=meeting, by=world.worker, party="community", user=world.worker)
    convening.participant_add(
        meeting=meeting, by=world.worker, party="property", name="陈经理", email="chen.manager@yijuwuye.test"
    )
    convening.agenda_item_add(meeting=meeting, by=world.worker, title=hall_request.title)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
    polls.poll_open(
        meeting=meeting,
        by=world.worker,
        slots=[
            (start, start + timedelta(hours=2)),
            (start + timedelta(days=1), start + timedelta(days=1, hours=2)),
        ],
    )
    return meeting


@pytest.fixture
def live_meeting(world, hall_request):
    """A scheduled four-party meeting, the hall request on its agenda, one voting person per party."""
    from django.utils import timezone

    from meetings.models import Meeting
    from meetings.services import convening

    committee = make_member(
        world.community, role=Role.COMMITTEE, email="committee@xingfu.test", display_name="刘主任"
    )
    manager = UserFactory(
        email="chen.manager@yijuwuye.test",
        display_name="陈经理",
        property_company=world.community.property_company,
    )
    now = timezone.now() + timezone.timedelta(minutes=10)
    meeting = convening.meeting_create(
        community=world.community,
        by=world.worker,
        title="四方联席会议：北门照明",
        place="党群服务中心",
        starts_at=now,
        ends_at=now + timezone.timedelta(hours=2),
    )
    people = {
        "community": world.worker,
        "committee": committee,
        "property": manager,
        "residents": world.resident,
    }
    for party, user in people.items():
        convening.participant_add(
            meeting=meeting,
            by=world.worker,
            party=party,
            user=user,
            role="chair" if party == "community" else "member",
        )
    convening.agenda_items_from_requests(meeting=meeting, by=world.worker, requests=[hall_request])
    convening.meeting_schedule(meeting=meeting, by=world.worker)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED
    return meeting, people
