"""Journey 1 (and its English twin, journey 4): a new resident joins 幸福社区 on a phone.

The part that stands on the foundation: sign up, verify the email from the mail outbox, ask to
join naming the household, a community worker (a second browser) verifies, and the resident
sees the role on the profile; then, still on the phone, the resident submits a request with a
photo and finds it in the deliberation hall under its tracking number.
"""

import pytest
from django.utils import translation

from deliberation.models import Membership, Request, Role, User
from deliberation.selectors import hall_url

from . import journeys
from .helpers import BROWSER, DESKTOP, PHONE, shot

pytestmark = BROWSER


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_new_resident_signs_up_verifies_joins_and_is_verified(
    world, live_server, new_context, settings, language, tmp_path
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    base = live_server.url
    prefix = f"journey1-{language}"
    email = f"zhang.{language}@xingfu.test"
    resident_page = new_context(viewport=PHONE, language=language).new_page()

    journeys.sign_up(resident_page, base, email=email, name="张新", screenshot=f"{prefix}-01-signup")
    shot(resident_page, f"{prefix}-02-verification-sent")
    user = User.objects.get(email=email)
    assert user.language == language
    assert not user.emailaddress_set.get().verified

    # Mandatory verification: the account cannot be used before the link is opened.
    resident_page.goto(f"{base}/accounts/login/")
    resident_page.locator("input[name=login]").fill(email)
    resident_page.locator("input[name=password]").fill(journeys.PASSWORD)
    resident_page.locator("main form button[type=submit]").click()
    resident_page.wait_for_url("**/accounts/confirm-email/")
    assert len(journeys.mails_to(email)) == 2  # a fresh link was sent again

    journeys.verify_email(resident_page, base, email=email, screenshot=f"{prefix}-03-confirm-email")
    assert user.emailaddress_set.get().verified
    journeys.log_in(resident_page, base, email=email, screenshot=f"{prefix}-04-login")

    journeys.ask_to_join(
        resident_page,
        base,
        community=world.community,
        building="2号楼",
        unit="2单元",
        room="301",
        screenshot=f"{prefix}-05-join",
    )
    membership = Membership.objects.get(user=user, community=world.community)
    assert membership.status == Membership.Status.PENDING
    assert membership.household == world.households[4]  # 2号楼 2单元 301 is on the roster
    shot(resident_page, f"{prefix}-06-profile-pending")
    assert resident_page.locator(".status-pending").count() == 1

    worker_page = new_context(viewport=DESKTOP, language=language).new_page()
    journeys.log_in(worker_page, base, email=world.worker.email)
    journeys.approve_membership(
        worker_page, base, community=world.community, membership=membership, screenshot=f"{prefix}-07-members"
    )
    shot(worker_page, f"{prefix}-08-members-approved")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED and membership.decided_by == world.worker
    assert worker_page.locator(f"#membership-{membership.pk}").count() == 0

    resident_page.goto(f"{base}/profile/")
    roles = resident_page.locator(".roles .role")
    with translation.override(language):
        assert roles.all_inner_texts() == [str(Role.RESIDENT.label)]
    assert world.community.title in resident_page.locator(".roles").inner_text()
    assert membership.role == Role.RESIDENT
    assert resident_page.locator(".inbox-link .badge").inner_text() == "1"  # told of the decision
    shot(resident_page, f"{prefix}-09-profile-verified")

    # The request with a photo, on the 360×740 phone.
    assert resident_page.viewport_size == PHONE
    tracking_number = journeys.submit_request(
        resident_page,
        base,
        community=world.community,
        title="2号楼电梯经常停运",
        description="2号楼电梯本周停了三次，老人上下楼很困难，请尽快检修。",
        location="2号楼2单元",
        photo=journeys.make_photo(tmp_path / "elevator.jpg"),
        screenshot=f"{prefix}-10-submit-form",
    )
    shot(resident_page, f"{prefix}-11-request-detail")
    created = Request.objects.get(tracking_number=tracking_number)
    assert created.requester == user and created.status == Request.Status.SUBMITTED
    assert created.photos.filter(response__isnull=True).count() == 1
    assert tracking_number in resident_page.locator("main .tracking").inner_text()
    photo = resident_page.locator("main .photos img")
    assert photo.count() == 1
    # The stored photo is served. It is a lazy image, which the page's load event does not wait
    # for: brought into view, it must load (a broken or missing file never does).
    photo.scroll_into_view_if_needed()
    resident_page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())

    resident_page.goto(f"{base}{hall_url(world.community)}")
    row = resident_page.locator("li.request-row", has_text=tracking_number)
    assert row.count() == 1
    assert "2号楼电梯经常停运" in row.inner_text()
    with translation.override(language):
        assert str(Request.Status.SUBMITTED.label) in row.locator(".status").inner_text()
    shot(resident_page, f"{prefix}-12-hall")
