"""Journey 3: the four-party meeting runs live, and the request it took from the hall is resolved.

Served by daphne (``asgi_workers``: the live page speaks WebSocket). The meeting comes from the
services (journey 2 proves the convening pages): one voting participant per party, each with an
account and their own browser; the worker chairs and keeps the minutes. Check-in of all four
parties turns the quorum light to its "all four parties present" text, minute entries and a
motion under ``four_party_consensus`` reach every browser as they happen, four votes from four
browsers pass it, the resolution is published and answers the request of the agenda item the
motion was taken on: the request shows "resolved by a meeting" and its requester evaluates it.

The two-worker smoke test (CI) runs the core of this journey with each browser on its own
daphne worker, the workers sharing Redis.
"""

import re

from django.utils import translation

from deliberation.models import Request
from deliberation.selectors import request_url
from meetings.models import Meeting

from .helpers import BROWSER, PHONE, assert_accessible, shot
from .journeys import MOTION, goto_live, live_contexts, run_meeting_core

pytestmark = BROWSER

QUORUM_OK = "Quorum reached: all four parties present."


def test_the_meeting_runs_live_and_resolves_the_request(
    world, hall_request, live_meeting, asgi_workers, new_context
):
    meeting, people = live_meeting
    (worker,) = asgi_workers(1)
    contexts = live_contexts(new_context, people, [worker])
    pages = {party: goto_live(context, base, meeting) for party, (context, base) in contexts.items()}
    chair = pages["community"]

    assert chair.locator("#quorum").get_attribute("data-ok") == "false"
    assert chair.locator("#quorum").inner_text().strip()  # the light has words, not only a colour
    motion_id = run_meeting_core(pages, meeting, screenshots="journey3-zh-hans")
    with translation.override("zh-hans"):
        assert translation.gettext(QUORUM_OK) in chair.locator("#quorum").inner_text()

    # Closing a vote cannot be undone: the page asks first, in the server's words.
    asked = []
    chair.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    chair.locator(f"#motion-{motion_id} .motion-close-form button").click()
    for page in pages.values():
        page.locator(f"#motion-{motion_id}[data-status=closed] .tally-outcome[data-passed=true]").wait_for()
        page.locator(f"#motion-{motion_id} .resolution-link a").wait_for()
        # A closed vote offers nothing to press any more, without a reload.
        assert page.locator(f"#motion-{motion_id} .ballot-form button:visible").count() == 0
        assert page.locator(f"#motion-{motion_id} .motion-close-form:visible").count() == 0
    assert asked and asked[0].startswith("现在结束表决吗？"), asked
    shot(chair, "journey3-zh-hans-03-resolution-published")

    # The motion was taken on the request's agenda item: its resolution answers the request.
    chair.locator(f"#motion-{motion_id} .resolution-link a").click()
    chair.wait_for_url(re.compile(r"/resolutions/\d+/$"))
    chair.locator(f"#resolved-requests li[data-request-id='{hall_request.pk}']").wait_for()
    shot(chair, "journey3-zh-hans-04-resolution")
    hall_request.refresh_from_db()
    assert hall_request.status == Request.Status.RESOLVED_BY_MEETING

    requester = pages["residents"]
    requester.goto(f"{worker.url}{request_url(hall_request)}")
    with translation.override("zh-hans"):
        label = str(Request.Status.RESOLVED_BY_MEETING.label)
    assert requester.locator("main .status").first.inner_text() == label
    assert requester.locator(".event-resolved_by_meeting a[href*='/resolutions/']").count() == 1
    shot(requester, "journey3-zh-hans-05-request-resolved-by-meeting")
    evaluate = requester.locator("#action-evaluate form")
    evaluate.locator("input[name='evaluate-rating'][value='5']").check()
    evaluate.locator("textarea[name='evaluate-comment']").fill("会上当场定了检修时间，满意。")
    evaluate.locator("button[type=submit]").click()
    requester.wait_for_load_state()
    hall_request.refresh_from_db()
    assert hall_request.status == Request.Status.EVALUATED and hall_request.rating == 5
    shot(requester, "journey3-zh-hans-05-request-evaluated")

    # Sealing the minutes cannot be undone: the chair is asked once (the browser's dialog, in the
    # server's words) and the meeting closes without the no-script confirmation page.
    chair.goto(f"{worker.url}/meetings/{meeting.pk}/live/")
    sealed = []
    chair.once("dialog", lambda dialog: (sealed.append(dialog.message), dialog.accept()))
    chair.locator("#meeting-close").click()
    chair.wait_for_url(re.compile(r"/live/$"))
    chair.wait_for_load_state()
    assert sealed and sealed[0].startswith("现在结束会议并封存纪要吗？"), sealed
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CLOSED


def test_live_page_is_accessible_and_votes_by_keyboard(world, live_meeting, asgi_workers, new_context):
    meeting, people = live_meeting
    (worker,) = asgi_workers(1)
    contexts = live_contexts(new_context, people, [worker])
    pages = {party: goto_live(context, base, meeting) for party, (context, base) in contexts.items()}
    chair = pages["community"]
    chair.locator("#meeting-start").click()
    chair.locator("#meeting-close").wait_for()
    chair.locator("#live-connection[data-state=connected]").wait_for()
    chair.locator("ul[data-party=committee] .checkin-form button").first.click()
    chair.locator("ul[data-party=committee] li[data-present=true]").wait_for()
    chair.locator("#motions details.console summary").click()
    chair.locator("#motion-text").fill(MOTION)
    chair.locator("#motion-rule").select_option("four_party_consensus")
    chair.locator("#motion-form button[type=submit]").click()
    voter = pages["committee"]
    button = voter.locator(".motion[data-status=open] .ballot-form button.vote-against")
    button.wait_for()
    for language in ("zh-hans", "en"):
        page = (
            voter
            if language == "zh-hans"
            else goto_live(
                new_context(viewport=PHONE, language="en", user=people["committee"], base_url=worker.url),
                worker.url,
                meeting,
            )
        )
        shot(page, f"a11y-live-{language}")
        assert_accessible(page, f"live minutes ({language})")

    # Keyboard only: Tab to "against" and press Enter; then Space on "for" changes the vote.
    for _ in range(80):
        voter.keyboard.press("Tab")
        if voter.evaluate(
            "() => document.activeElement && document.activeElement.matches('.ballot-form button.vote-against')"
        ):
            break
    else:
        raise AssertionError("Tab never reached the vote buttons")
    voter.keyboard.press("Enter")
    voter.locator(".my-vote[data-choice=against]").wait_for()
    voter.keyboard.press("Shift+Tab")  # for · against · abstain: back to "for"
    assert voter.evaluate("() => document.activeElement.matches('.ballot-form button.vote-for')")
    voter.keyboard.press("Space")
    voter.locator(".my-vote[data-choice=for]").wait_for()
    chair.locator(".tally [data-figure=for]", has_text="1").first.wait_for()
