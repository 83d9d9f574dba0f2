"""Issue 12, must-show 6: each role logs in through the real login form on a phone, lands where its
work is, and the header leads to that role's pages; a resident's first hall screen (360×640)
shows a request, not the filter form.

One browser, one context per role, one test (the world is built once)."""

import re

from allauth.account.models import EmailAddress

from deliberation.selectors import hall_url
from deliberation.services.requests import request_escalate
from tests.factories import UserFactory

from .helpers import BROWSER, PASSWORD, shot

pytestmark = BROWSER

PHONE_SCREEN = {"width": 360, "height": 640}


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def header_links(page) -> list[str]:
    return page.locator("header [data-nav]").evaluate_all("links => links.map(a => a.dataset.nav)")


def test_each_role_lands_on_its_work_and_finds_its_pages(world, hall_request, live_server, new_context):
    base = live_server.url
    community = world.community
    officer = UserFactory(street_office=world.street, email="officer@xingfu.test", display_name="街道老赵")
    staff = UserFactory(
        property_company=community.property_company, email="staff@xingfu.test", display_name="物业小刘"
    )
    for user in (officer, staff):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    request_escalate(request=hall_request, by=world.worker, reason="需要街道协调")

    roles = {
        # role: (user, where the login lands, the header's links, the link with a badge)
        "resident": (world.resident, r"/my/requests/$", ["mine"], "mine"),
        "worker": (
            world.worker,
            r"/work/$",
            ["work", f"members-{community.pk}", f"roster-{community.pk}"],
            f"members-{community.pk}",  # world.applicant waits for verification
        ),
        "property": (staff, r"/work/#company$", ["company"], "company"),
        "street": (officer, r"/work/#street$", ["escalations", "street_statistics"], "escalations"),
    }
    for role, (user, landing, links, badged) in roles.items():
        page = new_context(viewport=PHONE_SCREEN).new_page()
        log_in(page, base, user.email)
        assert re.search(landing, page.url), (role, page.url)
        assert header_links(page) == links, role
        # Something waits for each: the badge shows how many.
        assert page.locator(f"header [data-nav='{badged}'] .badge").inner_text().strip() == "1", role
        # Every link of the header opens its page.
        for key in links:
            href = page.locator(f"header [data-nav='{key}']").get_attribute("href")
            assert page.request.get(base + href).status == 200, (role, href)
        shot(page, f"find-your-way-{role}-landing")

        if role == "resident":
            page.locator("header [data-nav=mine]").click()
            page.locator(".request-row").first.wait_for()
            assert hall_request.title in page.locator(".request-row").first.inner_text()
            page.goto(base + hall_url(community))
            first = page.locator(".request-row").first.bounding_box()
            assert first is not None and first["y"] < PHONE_SCREEN["height"], first
            assert page.locator("#hall-filters").get_attribute("open") is None
            assert not page.locator("#hall-filters select[name=status]").is_visible()
            # No sideways scroll on the phone.
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]
            page.locator("#hall-filters summary").click()
            assert page.locator("#hall-filters select[name=status]").is_visible()
            shot(page, "find-your-way-resident-hall")
        if role == "worker":
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]
        page.context.close()
