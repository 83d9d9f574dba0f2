"""Issue 12, must-show 6: each role logs in through the real login form on a phone, lands where its
work is, and the header leads to that role's pages; a resident's first hall screen (360×640)
shows a request, not the filter form.

One browser, one context per role, one test (the world is built once)."""

import re

from allauth.account.models import EmailAddress
from django.urls import reverse

from deliberation.models import HallPage, Membership
from deliberation.selectors import hall_url
from deliberation.services.requests import request_escalate
from tests.factories import UserFactory

from .helpers import BROWSER, PASSWORD, assert_accessible, shot

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
    applicant = Membership.objects.get(user=world.applicant)
    # The hall's own text, as long as the demo's: it must not push the requests off the first screen.
    hall = HallPage.objects.child_of(community).get()
    hall.rules = "".join(
        f"<p>{n}、居民实名认证后可在议事厅提交诉求，同一事项请先附议，避免重复提交。</p>" for n in "一二三四"
    )
    hall.notices = "<p>四方会议每月第一个周四晚七点在党群服务中心召开，欢迎旁听。</p>"
    hall.contacts = "<p>社区服务电话 0471-2222222（工作日 8:30–17:30）；物业 24 小时报修 0471-1111111。</p>"
    hall.save_revision().publish()

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
        # Reloaded first: the one-time "signed in" message's list (base.html) is not part of this check.
        page.reload()
        assert_accessible(page, f"{role}'s landing page")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"], role

        if role == "resident":
            page.locator("header [data-nav=mine]").click()
            page.wait_for_url(f"**{reverse('my_requests')}")  # not the rows of the page before
            page.locator(".request-row").first.wait_for()
            assert hall_request.title in page.locator(".request-row").first.inner_text()
            page.goto(base + hall_url(community))
            first = page.locator(".request-row").first.bounding_box()
            assert first is not None and first["y"] < PHONE_SCREEN["height"], first
            assert page.locator("#hall-filters").get_attribute("open") is None
            assert page.locator("#hall-notices").get_attribute("open") is not None  # notices stay open
            assert page.locator("#hall-rules").get_attribute("open") is None
            assert not page.locator("#hall-filters select[name=status]").is_visible()
            # No sideways scroll on the phone.
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]
            page.locator("#hall-filters summary").click()
            assert page.locator("#hall-filters select[name=status]").is_visible()
            shot(page, "find-your-way-resident-hall")
        if role == "worker":
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]
            # Verifying the applicant: the roster is searched, not listed, and works without script.
            page.locator(f"header [data-nav='members-{community.pk}']").click()
            search = page.locator(f"#membership-{applicant.pk} form[role=search]")
            search.locator("input[name=q]").fill("2号楼 2单元 302")
            search.locator("button[type=submit]").click()
            page.wait_for_url(lambda url: "q=" in url)
            results = page.locator(f"#membership-{applicant.pk} .household-results")
            assert results.locator("input[type=radio]").count() == 2  # 2号楼-2单元-302, and "keep"
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]
            assert_accessible(page, "members page with a roster search")
            shot(page, "find-your-way-worker-roster-search")
            results.locator("label", has_text="2号楼-2单元-302").click()
            with page.expect_navigation():  # the decision stored before the database is read
                page.locator(f"#membership-{applicant.pk} button", has_text="通过").click()
            page.wait_for_load_state()
            applicant.refresh_from_db()
            assert applicant.household == world.households[5]
        page.context.close()
