"""Two ASGI workers (daphne) on one database — PostgreSQL when DATABASE_URL says so, else the
SQLite test file — and Redis when REDIS_URL is set: both serve the site, a session opened
through one worker is valid on the other, as behind a load balancer, and mail one worker sends
carries links the other one honours.

The live-minutes smoke test runs the core of journey 3 with the four browsers spread over two
workers that share Redis (given explicitly, so it also runs in the SQLite pass:
``workers_redis_url``).
"""

import re

from django.db import connection
from playwright.sync_api import expect

from deliberation.models import User
from tests.meetings.live.live_servers import workers_redis_url

from . import journeys
from .helpers import BROWSER, DESKTOP, shot
from .journeys import goto_live, live_contexts, run_meeting_core
from .servers import read_mails

pytestmark = BROWSER


def test_two_workers_serve_the_site_and_share_sessions(world, asgi_workers, new_context, settings):
    worker_a, worker_b = asgi_workers(2)
    assert worker_a.port != worker_b.port
    assert connection.vendor == ("postgresql" if settings.IS_POSTGRES else "sqlite")

    page = new_context(viewport=DESKTOP, base_url=worker_a.url).new_page()
    for worker in (worker_a, worker_b):
        response = page.goto(worker.url + "/")
        assert response.status == 200
        assert "幸福社区" in page.content()
        assert page.locator("link[rel=stylesheet]").count() >= 1
        css = page.request.get(worker.url + page.locator("link[rel=stylesheet]").first.get_attribute("href"))
        assert css.status == 200 and ".site-header" in css.text()

    # Log in through A (cookies belong to the host, not the port, so B receives the session).
    journeys.log_in(page, worker_a.url, email=world.resident.email)
    page.goto(worker_b.url + "/profile/")
    assert page.url == worker_b.url + "/profile/"
    assert world.community.title in page.locator(".roles").inner_text()

    # A write through B with the session and CSRF token issued by A.
    page.locator("input[name=display_name]").fill("李居民（改）")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(re.compile(r"/profile/$"))
    assert User.objects.get(pk=world.resident.pk).display_name == "李居民（改）"
    shot(page, "two-workers-profile-on-b")

    # Log out through B: A no longer knows the session.
    page.locator("form[action$='/accounts/logout/'] button").click()
    page.wait_for_load_state()
    page.goto(worker_a.url + "/profile/")
    assert "/accounts/login/" in page.url

    # Mail sent by a worker: a password reset asked on B, its link opened on A.
    page.goto(worker_b.url + "/accounts/password/reset/")
    page.locator("input[name=email]").fill(world.resident.email)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/done/$"))
    (message,) = [m for m in read_mails(asgi_workers.mail_dir) if world.resident.email in m["To"]]
    link = re.search(r"/accounts/password/reset/key/\S+/", message.get_payload(decode=True).decode()).group(0)
    page.goto(worker_a.url + link)
    page.locator("input[name=password1]").fill("a-new-pass-word-456")
    page.locator("input[name=password2]").fill("a-new-pass-word-456")
    page.locator("main form button[type=submit]:not([form])").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/key/done/$"))
    journeys.log_in(page, worker_b.url, email=world.resident.email, password="a-new-pass-word-456")


def test_live_minutes_across_two_workers_sharing_redis(world, live_meeting, asgi_workers, new_context):
    """Check-in, a minute entry and four ballots, each browser on its worker, all seen by all."""
    meeting, people = live_meeting
    redis_url = workers_redis_url(default="redis://127.0.0.1:6379/4")
    worker_a, worker_b = asgi_workers(2, env={"REDIS_URL": redis_url})
    contexts = live_contexts(new_context, people, [worker_a, worker_b])
    assert {base for _context, base in contexts.values()} == {worker_a.url, worker_b.url}
    pages = {party: goto_live(context, base, meeting) for party, (context, base) in contexts.items()}
    motion_id = run_meeting_core(pages, meeting, screenshots="two-workers-live")
    chair_seq = pages["community"].locator("#live").get_attribute("data-seq")
    for page in pages.values():
        # Each page may still be applying the last event its worker relays: wait for it, then assert.
        expect(page.locator("#live")).to_have_attribute("data-seq", chair_seq)
        assert page.locator(f"#motion-{motion_id} .my-vote").get_attribute("data-choice") == "for"
        assert page.locator("#live").get_attribute("data-seq") == pages["community"].locator(
            "#live"
        ).get_attribute("data-seq")
