"""Issue 13, must-show 4: on a 360 px phone a volunteer enters ten paper ballots with their
photos (扫楼: search the household, tap the choices, photo, next), then an owner checks their
ballot with the receipt code from the slip. No sideways scrolling; axe finds nothing serious on
the collect and receipt pages.

Screenshots: artifacts/screenshots/owners-vote-*.png.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from deliberation.models import Building, Role
from meetings.models import OwnersBallot, OwnersVote, VoteQuestion
from tests.deliberation.hall.images import image_bytes
from tests.factories import HouseholdFactory, OwnerFactory, make_member

from .helpers import BROWSER, PHONE, assert_accessible, shot

pytestmark = BROWSER

BALLOTS = 10


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_volunteer_enters_ten_paper_ballots_and_an_owner_checks_theirs(world, live_server, new_context):
    building = Building.objects.create(community=world.community, name="5号楼")
    households = [
        HouseholdFactory(building=building, unit="1单元", room=f"{101 + i}", area=Decimal("90.00"))
        for i in range(BALLOTS)
    ]
    for i, household in enumerate(households):
        OwnerFactory(household=household, name=f"业主{i}")
    volunteer = make_member(world.community, role=Role.REPRESENTATIVE, household=world.households[2])
    now = timezone.now()
    vote = OwnersVote.objects.create(
        community=world.community,
        title="使用维修资金更换电梯",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=10),
        channels=["paper", "onsite", "online"],
        status=OwnersVote.Status.ANNOUNCED,
        announced_at=now - timedelta(days=16),
        created_by=world.worker,
    )
    questions = [
        VoteQuestion.objects.create(vote=vote, position=0, text="同意使用维修资金更换电梯", matter="major"),
        VoteQuestion.objects.create(vote=vote, position=1, text="同意选聘施工单位", matter="ordinary"),
    ]
    jpeg = image_bytes("JPEG", size=(64, 48), gps=False)

    page = new_context(viewport=PHONE, user=volunteer).new_page()
    page.goto(f"{live_server.url}/owners-votes/{vote.pk}/collect/")
    receipts = []
    for i, household in enumerate(households):
        page.fill("#household-search", f"5 1 {household.room}")
        page.locator("form[role=search] button").click()
        expect(page.locator("#ballot-h")).to_contain_text(str(household))
        pick = "for" if i % 3 else "against"
        page.locator(f"input[name='q{questions[0].pk}'][value='{pick}']").check()
        page.locator(f"input[name='q{questions[1].pk}'][value='abstain']").check()
        page.set_input_files(
            "#id_evidence", files=[{"name": f"ballot-{i}.jpg", "mimeType": "image/jpeg", "buffer": jpeg}]
        )
        page.locator("button.ov-big-button").click()
        receipt = page.locator(".ov-receipt")
        expect(receipt).to_be_visible()
        assert i or no_sideways_scroll(page)
        expect(page.locator("#entered")).to_have_attribute("data-count", str(i + 1))
        receipts.append((household, pick, receipt.inner_text().strip()))
        if i == 0:
            page.fill("#household-search", "5 1 110")
            page.locator("form[role=search] button").click()
            expect(page.locator("#ballot-h")).to_contain_text(str(households[-1]))
            assert no_sideways_scroll(page)
            assert_accessible(page, "the collect page with a household's ballot")
            shot(page, "owners-vote-collect")
    assert page.locator("#household-search").input_value() == ""  # ready for the next household
    ballots = OwnersBallot.objects.filter(vote=vote)
    assert ballots.count() == BALLOTS and all(b.evidence.name for b in ballots)
    assert set(ballots.values_list("channel", flat=True)) == {"paper"}
    assert set(ballots.values_list("entered_by", flat=True)) == {volunteer.pk}
    shot(page, "owners-vote-collect-done")

    # The owner of the third household types the code from their slip, anonymously.
    household, pick, code = receipts[2]
    owner_page = new_context(viewport=PHONE).new_page()
    owner_page.goto(f"{live_server.url}/owners-votes/{vote.pk}/receipt/")
    owner_page.fill("#id_code", code.lower())
    owner_page.locator("button.ov-big-button").click()
    result = owner_page.locator("#receipt-result")
    expect(result).to_be_visible()
    expect(result.locator("li").first).to_contain_text("同意使用维修资金更换电梯")
    expect(result.locator("li").first).to_contain_text("赞成" if pick == "for" else "反对")
    assert no_sideways_scroll(owner_page)
    assert_accessible(owner_page, "the receipt check page with a ballot found")
    shot(owner_page, "owners-vote-receipt")
