"""Journey 4: the journeys' key pages for a resident and a worker who read English.

Journey 1 runs whole in English too (its ``en`` parameter); this walks the pages of the hall and
the meetings in English — hall, request detail, submit form, meeting page — saves a screenshot
of each, and checks that the interface text (headings, labels, buttons, table headers, terms)
is English: once the people's own words (titles, names, places, categories) are set aside, no
Chinese character is left.
"""

import re

from django.utils import translation

from deliberation.selectors import hall_url, request_url

from .helpers import BROWSER, DESKTOP, PHONE, shot

pytestmark = BROWSER

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
INTERFACE = "main :is(h2, h3, label, legend, button, th[scope=col], dt, summary, caption, .status, .help)"


def interface_texts(page) -> list[str]:
    return [text.strip() for text in page.locator(INTERFACE).all_inner_texts() if text.strip()]


def assert_english(page, *, people_words: list[str], expected: list[str]) -> None:
    texts = interface_texts(page)
    leftover = []
    for text in texts:
        for words in people_words:
            text = text.replace(words, "")
        if CJK.search(text):
            leftover.append(text)
    assert not leftover, f"Chinese interface text on an English page {page.url}: {leftover}"
    body = page.locator("main").inner_text()
    missing = [phrase for phrase in expected if phrase not in body]
    assert not missing, f"missing English text on {page.url}: {missing}"
    assert page.locator("html").get_attribute("lang") == "en"


def test_key_pages_in_english(world, hall_request, polling_meeting, live_server, new_context):
    base = live_server.url
    people_words = [
        world.community.title,
        hall_request.title,
        hall_request.location,
        polling_meeting.title,
        polling_meeting.place,
        "刘主任",
        "陈经理",
        world.worker.display_name,
        world.resident.display_name,
        "附议",  # the hall's own term, kept beside "Support"
        "3号楼2单元",  # place names in the location field's example
        "北门停车场",
    ]
    resident = new_context(viewport=PHONE, language="en", user=world.resident).new_page()

    resident.goto(f"{base}{hall_url(world.community)}")
    with translation.override("en"):
        assert_english(
            resident,
            people_words=people_words,
            expected=[
                "Deliberation hall",
                "Submit a request",
                "Search and filter",  # the folded filters' summary on a phone
                "Accepted",
                hall_request.tracking_number,
            ],
        )
    shot(resident, "journey4-en-01-hall")

    resident.goto(f"{base}{hall_url(world.community, 'request_new')}")
    assert_english(
        resident,
        people_words=people_words,
        expected=["Submit a request", "Title", "Description", "Photos", "Show my name publicly"],
    )
    shot(resident, "journey4-en-02-submit-form")

    resident.goto(f"{base}{request_url(hall_request)}")
    assert_english(
        resident,
        people_words=people_words,
        expected=["Description", "Timeline", "Supports", "Category", hall_request.tracking_number],
    )
    shot(resident, "journey4-en-03-request-detail")

    resident.goto(f"{base}/meetings/{polling_meeting.pk}/")
    assert_english(
        resident,
        people_words=people_words,
        expected=["Participants by party", "Owners' committee", "Property company", "Agenda", "Time poll"],
    )
    shot(resident, "journey4-en-04-meeting-as-participant")

    worker = new_context(viewport=DESKTOP, language="en", user=world.worker).new_page()
    worker.goto(f"{base}/meetings/{polling_meeting.pk}/")
    assert_english(
        worker,
        people_words=people_words,
        expected=[
            "Add a participant",
            "Add to the agenda",
            "Fix this time and invite",
            "From the hall's requests",
        ],
    )
    shot(worker, "journey4-en-05-meeting-as-worker")
