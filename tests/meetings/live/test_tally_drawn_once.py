"""A motion's tally is drawn once, by ``meetings/includes/tally.html``: the live page includes it,
and every motion event carries it rendered in each language for ``live.js`` to put in place."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from meetings.models import LiveEvent, Motion
from meetings.services import motions as svc
from meetings.tally import tally_html

pytestmark = pytest.mark.django_db

TALLY = re.compile(
    r'<div class="tally" aria-live="polite">(.*?)</div>\s*(?:<p class="resolution-link"|<form|<details|</article>)',
    re.S,
)


def page_tally(client, meeting, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("meeting_live", args=[meeting.pk])).content.decode()
    return TALLY.search(page).group(1).strip()


@pytest.mark.parametrize("rule", [Motion.Rule.SIMPLE_MAJORITY, Motion.Rule.FOUR_PARTY_CONSENSUS])
def test_every_motion_event_carries_the_fragment_the_page_draws(
    client, meeting, people, rule, django_capture_on_commit_callbacks
):
    opened = svc.motion_open(
        meeting=meeting, by=people["chair"].user, text="更换门禁", agenda_item=None, rule=rule
    )
    motion = Motion.objects.get(pk=opened.payload["id"])
    assert set(opened.payload["tally_html"]) == {code for code, _name in settings.LANGUAGES}
    with django_capture_on_commit_callbacks(execute=True):  # the tally is published after commit
        svc.ballot_cast(motion=motion, by=people["committee"].user, choice="for")
    tally = LiveEvent.objects.filter(meeting=meeting, kind="tally").last()
    for language in ("zh-hans", "en"):
        assert tally.payload["tally_html"][language] == page_tally(client, meeting, language)
    assert (
        'data-figure="for"' in tally.payload["tally_html"]["en"]
        and "For 1" in tally.payload["tally_html"]["en"]
    )
    assert "赞成 1" in tally.payload["tally_html"]["zh-hans"]
    closed = svc.motion_close(motion=Motion.objects.get(pk=motion.pk), by=people["chair"].user)
    assert (
        "Would" not in closed.payload["tally_html"]["en"]
        and "passed" in closed.payload["tally_html"]["en"].lower()
    )
    assert closed.payload["tally_html"]["en"] == page_tally(client, meeting, "en")


def test_the_fragment_is_the_template_with_the_result():
    result = {
        "rule": "simple_majority",
        "passed": True,
        "figures": {"for": 2, "against": 0, "abstain": 0, "cast": 2, "eligible": 3},
    }
    html = tally_html(result, closed=True)
    assert 'data-passed="true"' in html["en"] and "Passed" in html["en"] and "2 / 3" in html["en"]


def test_live_js_draws_no_tally_of_its_own():
    from pathlib import Path

    script = (Path(settings.BASE_DIR) / "meetings/static/meetings/live.js").read_text()
    assert "tally_html" in script and "tally-table" not in script and "tally-counts" not in script
