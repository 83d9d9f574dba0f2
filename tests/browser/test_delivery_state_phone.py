"""Whether notices arrived, on a 360 px phone: the meeting page's participant rows, a request's
timeline and the outbox fit without sideways scrolling and pass axe, in Chinese."""

from deliberation.models import Category, Delivery, ResponsibleParty
from deliberation.selectors import request_url
from deliberation.services.requests import request_accept, request_submit
from meetings.services import convening
from tests.factories import add_four_parties, soon

from .helpers import BROWSER, PHONE, assert_accessible, shot

pytestmark = BROWSER


def fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_delivery_state_fits_a_phone(world, live_server, new_context, failing_mail):
    failing_mail.NO_SUCH_USER.add("manager@wuye.example")
    failing_mail.UNREACHABLE.add(world.resident.email)
    starts, ends = soon()
    meeting = convening.meeting_create(
        community=world.community,
        by=world.worker,
        title="四方会议：3号楼电梯更换和小区停车收费标准调整",
        place="党群服务中心三楼会议室",
        starts_at=starts,
        ends_at=ends,
    )
    add_four_parties(meeting, world.community, world.worker)
    convening.meeting_schedule(meeting=meeting, by=world.worker)
    category, _ = Category.objects.get_or_create(
        name_zh="设施维修",
        defaults={"name_en": "Facility repairs", "default_party": "property", "sla_days": 5},
    )
    request = request_submit(
        community=world.community,
        by=world.resident,
        title="楼道灯坏了",
        description="3号楼2单元楼道灯坏了一周",
        category=category,
    )
    request_accept(request=request, by=world.worker, party=ResponsibleParty.COMMUNITY)
    assert Delivery.objects.filter(status__in=Delivery.UNSUCCESSFUL).count() == 2

    page = new_context(viewport=PHONE, language="zh-hans", user=world.worker).new_page()
    for name, path in [
        ("meeting", f"/meetings/{meeting.pk}/"),
        ("request", request_url(request)),
        ("outbox", f"/communities/{world.community.pk}/outbox/"),
    ]:
        assert page.goto(live_server.url + path).status == 200
        shot(page, f"delivery-state-{name}-phone")
        assert "重新发送" in page.content(), name
        assert fits(page), f"{name}: wider than the phone"
        assert_accessible(page, f"delivery state: {name}")
