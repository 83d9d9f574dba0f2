"""axe-core on every page of ``pages.A11Y_PAGES`` in Chinese and English, and keyboard-only use.

A page fails on any violation of impact "serious" or "critical"; every violation found is
printed. The English run reaches English through the header's language button, so the switch
is exercised on each page too.
"""

import re

import pytest

from deliberation.models import Membership, Request
from deliberation.selectors import hall_url

from .helpers import BROWSER, PHONE, assert_accessible, shot
from .pages import A11Y_PAGES, LANGUAGES

pytestmark = BROWSER

HTML_LANG = {"zh-hans": "zh-Hans", "en": "en"}


@pytest.mark.parametrize("case", A11Y_PAGES, ids=str)
def test_page_has_no_serious_accessibility_violations(case, world, live_server, new_context, request):
    """One visit per page: checked in Chinese, then switched to each other language and checked."""
    user = getattr(world, case.login_as) if case.login_as else None
    path = case.path(world, *(request.getfixturevalue(name) for name in case.needs))
    page = new_context(viewport=PHONE, language="zh-hans", user=user).new_page()
    response = page.goto(live_server.url + path)
    assert response.status == 200, f"{case.name}: {path} answered {response.status}"
    for language in LANGUAGES:
        if language != "zh-hans":
            page.locator(f".lang-switch button[value={language}]").click()
            page.wait_for_function(f"document.documentElement.lang === '{HTML_LANG[language]}'")
            assert page.url == live_server.url + path
        assert page.locator("html").get_attribute("lang") == HTML_LANG[language]
        shot(page, f"a11y-{case.name}-{language}")
        assert_accessible(page, f"{case.name} ({language})")


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the focused element matches ``selector``; its focus must be visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{selector} has no visible focus"
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_join_form_works_with_the_keyboard_alone(world, live_server, new_context):
    page = new_context(viewport=PHONE, user=world.outsider).new_page()
    page.goto(f"{live_server.url}/communities/{world.community.pk}/join/")

    tab_to(page, "select[name=building]")
    page.keyboard.press("ArrowDown")  # — → 1号楼
    page.keyboard.press("ArrowDown")  # 1号楼 → 2号楼
    tab_to(page, "input[name=unit]")
    page.keyboard.type("2单元")
    tab_to(page, "input[name=room]")
    page.keyboard.type("302")
    tab_to(page, "input[name=tenure]")
    page.keyboard.press("ArrowDown")  # the radio group: owner → tenant
    page.keyboard.press("Space")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/profile/$"))

    membership = Membership.objects.get(user=world.outsider, community=world.community)
    assert membership.claimed_address and membership.household == world.households[5]
    assert membership.tenure == "tenant" and membership.status == Membership.Status.PENDING


def test_skip_link_is_the_first_stop_and_leads_to_main(world, live_server, new_context):
    page = new_context(viewport=PHONE).new_page()
    page.goto(live_server.url + "/")
    page.wait_for_load_state("load")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("link => link === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#main$"))


def test_the_check_itself_fails_on_a_serious_violation(chromium):
    """Guard against a silently broken axe run (no script, wrong result shape) passing every page."""
    page = chromium.new_page()
    page.set_content('<html lang="en"><title>t</title><main><h1>x</h1><img src="a.png"></main></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page, "a page with an image without alt text")
    page.close()


def test_unread_count_is_part_of_the_inbox_link_name(world, live_server, new_context):
    """The badge is only a number; assistive technology hears "Inbox (1 unread)"."""
    page = new_context(viewport=PHONE, language="en", user=world.worker).new_page()
    page.goto(live_server.url + "/")
    assert page.get_by_role("link", name="Inbox (1 unread)", exact=True).count() == 1


def test_submit_form_works_with_the_keyboard_alone(world, live_server, new_context):
    page = new_context(viewport=PHONE, user=world.resident).new_page()
    page.goto(f"{live_server.url}{hall_url(world.community)}")
    tab_to(page, f"a[href$='{hall_url(world.community, 'request_new')}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/hall/new/$"))

    tab_to(page, "input[name=title]")
    page.keyboard.type("楼道灯不亮")
    tab_to(page, "textarea[name=description]")
    page.keyboard.type("1号楼1单元三楼楼道灯坏了一周。")
    tab_to(page, "select[name=category]")
    second = page.locator("select[name=category] option").nth(1).get_attribute("value")
    page.keyboard.press("ArrowDown")  # the second category
    tab_to(page, "input[name=location]")
    page.keyboard.type("1号楼1单元")
    tab_to(page, "input[name=show_name]")
    page.keyboard.press("Space")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/requests/SQ-\d{4}-\d{6}/$"))

    created = Request.objects.get(requester=world.resident)
    assert (created.title, created.location, created.show_name) == ("楼道灯不亮", "1号楼1单元", True)
    assert str(created.category_id) == second
