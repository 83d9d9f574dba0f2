"""Issue 5, must-show 5: the live minutes page in the system Chromium against a daphne worker.

The secretary and a viewer (an invited resident who has not checked in yet, so the page gives
them the check-in code field) have the live page open in two browser contexts; the chair and a
voter in two more. The viewer leaves the code half-typed. An entry, a motion and a ballot appear
on the viewer's page without a reload, and the half-typed code keeps its text and focus. Then
the worker is stopped; an entry is written through the service meanwhile (stored, never pushed);
a new worker starts on the same port; the page shows "reconnecting", then "connected", then the
missed entry (replayed from its last seq), each entry once.

Everything the viewer's page shows through the browser is written through the browser (the same
worker), so it also holds with the in-memory channel layer; only the missed entry comes from the
test process, and only the replay can deliver it.

Screenshots: artifacts/screenshots/live-*.png; with DOCS_SCREENSHOTS=1 the last one also
replaces docs/screenshots/live.png (committed; not rewritten on every run).
"""

import os
import shutil
from pathlib import Path

from django.conf import settings
from playwright.sync_api import expect

from meetings.models import LiveState, MinuteEntry
from meetings.services.minutes import minute_add

from .helpers import BROWSER, DESKTOP, PHONE, shot
from .live_helpers import live_meeting, spawn_on_port
from .servers import wait_ready

pytestmark = BROWSER

TIMEOUT = 20_000  # ms; a restarted worker is connected to within the client's backoff (≤ ~10 s)


def open_live(new_context, worker, user, path, viewport=PHONE):
    page = new_context(viewport=viewport, user=user, base_url=worker.url).new_page()
    page.goto(worker.url + path)
    expect(page.locator("#live-connection")).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
    return page


def test_viewer_sees_entry_and_ballot_live_keeps_typing_and_catches_up_after_restart(
    world, asgi_workers, new_context
):
    (worker,) = asgi_workers(1)
    live = live_meeting(world.community, convener=world.worker)
    meeting = live.meeting
    path = f"/meetings/{meeting.pk}/live/"

    viewer = open_live(new_context, worker, live.viewer.user, path)
    secretary = open_live(new_context, worker, live.secretary.user, path, viewport=DESKTOP)
    chair = open_live(new_context, worker, live.chair.user, path, viewport=DESKTOP)
    voter = open_live(new_context, worker, live.voter.user, path)
    seq_at_load = int(viewer.locator("#live").get_attribute("data-seq"))
    assert seq_at_load == LiveState.objects.get(meeting=meeting).last_seq

    # The viewer starts typing the check-in code and stops halfway.
    code = viewer.locator("#checkin-self-form input[name=code]")
    code.click()
    code.press_sequentially("ab3")
    loaded_once = viewer.evaluate("performance.getEntriesByType('navigation').length")

    # The secretary adds an entry: it appears on the viewer's page.
    secretary.locator("#entry-text").fill("物业：电梯报价已收到三家。")
    secretary.locator("#entry-submit").click()
    expect(secretary.locator("#entry-text")).to_have_value("", timeout=TIMEOUT)  # acknowledged
    entries = viewer.locator("#minutes-list li.entry[data-seq]")
    expect(entries.filter(has_text="电梯报价已收到三家")).to_have_count(1, timeout=TIMEOUT)

    # The chair opens a motion, the voter votes for it: the viewer's tally follows.
    chair.locator("#motions details.console summary").click()
    chair.locator("#motion-text").fill("同意1号楼加装电梯")
    chair.locator("#motion-form button[type=submit]").click()
    voter_motion = voter.locator(".motion[data-status=open]", has_text="同意1号楼加装电梯")
    voter_motion.locator(".ballot-form button.vote-for").click()
    expect(voter_motion.locator(".my-vote")).to_have_attribute("data-choice", "for", timeout=TIMEOUT)
    viewer_motion = viewer.locator(".motion", has_text="同意1号楼加装电梯")
    expect(viewer_motion.locator(".tally [data-figure=for]")).to_contain_text("1", timeout=TIMEOUT)
    expect(viewer_motion.locator(".tally [data-figure=cast]")).to_contain_text("1", timeout=TIMEOUT)

    # No reload, and the half-typed code still holds its text and the focus.
    assert viewer.evaluate("performance.getEntriesByType('navigation').length") == loaded_once
    expect(code).to_have_value("ab3")
    expect(code).to_be_focused()
    shot(viewer, "live-viewer-entry-and-tally")
    shot(secretary, "live-secretary-console")

    # The server goes away; meanwhile an entry is stored that no page receives live.
    worker.stop()
    connection = viewer.locator("#live-connection")
    expect(connection).to_have_attribute("data-state", "reconnecting", timeout=TIMEOUT)
    minute_add(
        meeting=meeting,
        by=live.secretary.user,
        kind=MinuteEntry.Kind.NOTE,
        text="断线期间记录：居民代表提出噪音问题。",
    )
    last_seq = LiveState.objects.get(meeting=meeting).last_seq
    shot(viewer, "live-viewer-reconnecting")

    restarted = spawn_on_port(worker.port, log_dir=worker.log.parent, mail_dir=asgi_workers.mail_dir)
    try:
        wait_ready(restarted)
        expect(connection).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
        expect(entries.filter(has_text="噪音问题")).to_have_count(1, timeout=TIMEOUT)
        expect(viewer.locator("#live")).to_have_attribute("data-seq", str(last_seq), timeout=TIMEOUT)

        # Every stored entry exactly once, in the order of its seq; still no reload, code intact.
        stored = list(
            MinuteEntry.objects.filter(meeting=meeting).order_by("position").values_list("pk", flat=True)
        )
        shown = [int(i) for i in entries.evaluate_all("els => els.map(e => e.dataset.entryId)")]
        assert shown == stored
        seqs = [int(s) for s in entries.evaluate_all("els => els.map(e => e.dataset.seq)")]
        assert seqs == sorted(set(seqs)) and seqs[-1] == last_seq
        assert viewer.evaluate("performance.getEntriesByType('navigation').length") == loaded_once
        expect(code).to_have_value("ab3")

        path_png = shot(viewer, "live-viewer-after-restart", always=bool(os.environ.get("DOCS_SCREENSHOTS")))
        if os.environ.get("DOCS_SCREENSHOTS"):  # refresh the committed docs/screenshots/live.png
            docs_png = Path(settings.BASE_DIR) / "docs" / "screenshots" / "live.png"
            docs_png.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path_png, docs_png)
    finally:
        restarted.stop()
