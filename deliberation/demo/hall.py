"""Demo data for the deliberation hall: realistic requests of 幸福社区 in every state.

``seed_demo`` calls ``seed(ctx)`` after the places and accounts exist. Every request is made
through the same services the site uses, so the timelines and notices are real, each step under
``clock.at()`` a few hours or days in the past, so the hall, the deadlines and the statistics
look like a few weeks of use. The timeline is append-only (the database refuses updates), so no
row is moved afterwards; the one field set after the fact is a due date pinned to tomorrow (the
request that must show a reminder whatever the hour the demo is loaded at). Idempotent: a
scenario whose title already exists in the community is skipped, and a run that creates nothing
changes nothing.
"""

import datetime

from django.utils import timezone

from .. import clock
from ..models import Category, Channel, Request
from ..services.deadlines import deadlines_process
from ..services.requests import (
    request_accept,
    request_close,
    request_escalate,
    request_evaluate,
    request_put_on_agenda,
    request_record_offline,
    request_reject,
    request_resolve,
    request_resolve_by_meeting,
    request_respond,
    request_submit,
)
from ..services.supports import support_add


class _Story:
    """One request's past: ``with story.at(hours):`` runs the services ``hours`` after its start,
    ``days_ago`` before now, so every row is written with the time it shows."""

    def __init__(self, days_ago: float):
        self.start = timezone.now() - datetime.timedelta(days=days_ago)

    def at(self, hours: float):
        return clock.at(self.start + datetime.timedelta(hours=hours))


def seed(ctx) -> None:
    community = ctx.communities["xingfu"]
    users, neighbours = ctx.users, ctx.neighbours
    worker, staff = users["worker"], users["property"]
    cat = {c.name_zh: c for c in Category.objects.all()}
    if len(cat) < 8 or len(neighbours) < 8:
        return
    existing = set(Request.objects.filter(community=community).values_list("title", flat=True))

    def submit(by, title, description, category, location="", show_name=False):
        return request_submit(
            community=community,
            by=by,
            title=title,
            description=description,
            category=cat[category],
            location=location,
            show_name=show_name,
        )

    def supports(request, people):
        for person in people:
            support_add(request=request, user=person)

    scenarios = []

    def scenario(title):
        def register(build):
            scenarios.append((title, build))
            return build

        return register

    @scenario("5号楼电梯经常停运")
    def _(title):
        story = _Story(days_ago=3)
        with story.at(0):
            r = submit(
                users["resident"],
                title,
                "5号楼2单元电梯这个月已经停了三次，楼上有几位行动不便的老人。",
                "设施维修",
                "5号楼2单元",
                True,
            )
        with story.at(20):
            supports(r, neighbours[:5])

    @scenario("北门晚上路灯不亮")
    def _(title):
        with _Story(days_ago=1).at(0):
            r = submit(
                neighbours[0], title, "北门到3号楼之间的三盏路灯坏了，晚上回家很黑。", "设施维修", "北门"
            )
            supports(r, neighbours[1:2])

    @scenario("2号楼楼顶漏水")
    def _(title):
        story = _Story(days_ago=2)
        with story.at(0):
            r = submit(
                neighbours[1], title, "下雨后顶楼502卫生间天花板渗水，墙皮脱落。", "设施维修", "2号楼1单元502"
            )
        with story.at(3):
            request_accept(request=r, by=worker, note="已联系物业上门查看")

    @scenario("地下车库积水")
    def _(title):
        story = _Story(days_ago=4)
        with story.at(0):
            r = submit(
                neighbours[2], title, "地下车库B区排水沟堵塞，积水有十几厘米深。", "停车", "地下车库B区"
            )
        with story.at(2):
            request_accept(request=r, by=worker)
        with story.at(20):
            request_respond(request=r, by=staff, body="已安排工人明早疏通排水沟，并加装一台排水泵。")
        # Due tomorrow, whatever the hour: the deadlines below send its reminder.
        Request.objects.filter(pk=r.pk).update(due_date=timezone.localdate() + datetime.timedelta(days=1))

    @scenario("垃圾分类点异味严重")
    def _(title):
        story = _Story(days_ago=5)
        with story.at(0):
            r = submit(
                neighbours[3], title, "4号楼旁垃圾分类点夏天异味很大，清运不及时。", "环境卫生", "4号楼东侧"
            )
        with story.at(4):
            request_accept(request=r, by=worker)
        with story.at(24):
            request_respond(request=r, by=staff, body="清运改为每天两次，并每周冲洗消毒。")
        with story.at(48):
            request_resolve(request=r, by=staff, note="已调整清运频次")

    @scenario("儿童游乐设施损坏")
    def _(title):
        story = _Story(days_ago=24)
        with story.at(0):
            r = submit(
                neighbours[4], title, "中心花园滑梯扶手断裂，孩子容易受伤。", "设施维修", "中心花园", True
            )
        with story.at(2):
            request_accept(request=r, by=worker)
        with story.at(6):
            request_respond(request=r, by=staff, body="已围挡，配件到货后更换。")
        with story.at(70):
            request_resolve(request=r, by=staff, note="扶手已更换")
        with story.at(80):
            request_evaluate(request=r, by=neighbours[4], rating=5, comment="修得很快，谢谢物业！")

    @scenario("楼道堆放杂物占用消防通道")
    def _(title):
        story = _Story(days_ago=12)
        with story.at(0):
            r = submit(
                neighbours[5], title, "3号楼1单元楼道堆满纸箱和旧家具，影响消防通道。", "安全", "3号楼1单元"
            )
        with story.at(5):
            request_accept(request=r, by=worker)
        with story.at(24):
            request_respond(request=r, by=worker, body="已张贴清理通知，请住户三日内自行清理。")
        with story.at(96):
            request_resolve(request=r, by=worker)
        with story.at(120):  # two stars: evaluated and reopened
            request_evaluate(request=r, by=neighbours[5], rating=2, comment="通知贴了，但杂物还在。")

    @scenario("要求减免本年度物业费")
    def _(title):
        story = _Story(days_ago=9)
        with story.at(0):
            r = submit(neighbours[6], title, "今年小区绿化差，要求减免物业费。", "物业服务")
        with story.at(26):
            request_reject(
                request=r, by=worker, reason="物业费调整需业主大会决定，已转业委会，可在四方会议上提出议题。"
            )

    @scenario("绿化带被占用种菜")
    def _(title):
        story = _Story(days_ago=45)
        with story.at(0):
            r = submit(neighbours[7], title, "1号楼前公共绿化带被个别住户开垦种菜。", "邻里纠纷", "1号楼南侧")
        with story.at(8):
            request_accept(request=r, by=worker)
        with story.at(72):
            request_respond(request=r, by=worker, body="社区网格员已上门沟通，住户同意恢复绿化。")
        with story.at(240):
            request_resolve(request=r, by=worker)
        with story.at(250):
            request_evaluate(request=r, by=neighbours[7], rating=4, comment="沟通得不错。")
        with story.at(260):
            request_close(request=r, by=worker, note="已回访")

    @scenario("单元门禁失灵")
    def _(title):
        # Resolved ten days ago, never evaluated: the deadlines below close it automatically.
        story = _Story(days_ago=11)
        with story.at(0):
            r = submit(
                users["representative"],
                title,
                "2号楼2单元门禁刷卡无反应，陌生人随意进出。",
                "安全",
                "2号楼2单元",
            )
        with story.at(2):
            request_accept(request=r, by=worker, party="property")
        with story.at(30):
            request_resolve(request=r, by=staff, note="已更换门禁主板")

    @scenario("外墙瓷砖脱落有安全隐患")
    def _(title):
        # Due five days after acceptance: overdue, urged and escalated by the deadlines below.
        story = _Story(days_ago=12)
        with story.at(0):
            r = submit(
                users["committee"],
                title,
                "4号楼西侧外墙瓷砖有松动，已经掉下来两块。",
                "设施维修",
                "4号楼西侧",
            )
        with story.at(3):
            request_accept(request=r, by=worker)
        with story.at(30):
            request_respond(request=r, by=staff, body="已拉警戒线，正在联系有资质的施工队。")

    @scenario("楼上噪音纠纷多次调解无果")
    def _(title):
        story = _Story(days_ago=6)
        with story.at(0):
            r = submit(
                neighbours[0],
                title,
                "楼上住户每晚十二点后仍有很大噪音，多次沟通无效。",
                "邻里纠纷",
                "3号楼2单元",
            )
        with story.at(4):
            request_accept(request=r, by=worker)
        with story.at(48):
            request_respond(request=r, by=worker, body="社区已组织双方第一次调解。")
        with story.at(100):
            request_escalate(request=r, by=worker, reason="双方分歧较大，需街道人民调解委员会介入。")

    @scenario("独居老人家中水管漏水")
    def _(title):
        story = _Story(days_ago=1.5)
        with story.at(0):
            r = request_record_offline(
                community=community,
                by=worker,
                channel=Channel.PHONE,
                intake_place="社区服务站",
                requester_name="孙大爷",
                requester_phone="13900001111",
                title=title,
                description="孙大爷来电：厨房水管接口漏水，自己无法处理。",
                category=cat["物业服务"],
                location="1号楼1单元101",
            )
        with story.at(1):
            request_accept(request=r, by=worker, party="property")
        with story.at(5):
            request_respond(request=r, by=staff, body="维修师傅已上门更换接口。")

    @scenario("增设电动自行车充电桩")
    def _(title):
        story = _Story(days_ago=8)
        with story.at(0):
            r = submit(
                users["representative"],
                title,
                "电动车在楼道充电很危险，建议在北门车棚增设集中充电桩。",
                "安全",
                "北门车棚",
                True,
            )
        with story.at(30):  # enough supports: proposed for the four-party meeting
            supports(r, neighbours[1:8])
        with story.at(60):
            request_put_on_agenda(request=r, by=worker, meeting_title="十二月四方会议", url="")

    @scenario("地面停车位分配方案")
    def _(title):
        story = _Story(days_ago=6)
        with story.at(0):
            r = submit(neighbours[2], title, "地面停车位紧张，希望公开透明地分配。", "停车", "", True)
        with story.at(20):
            supports(r, neighbours[3:9])
        with story.at(60):
            request_put_on_agenda(request=r, by=worker, meeting_title="十一月四方会议", url="")
        with story.at(100):
            request_resolve_by_meeting(
                request=r, by=worker, resolution_title="通过按户摇号分配地面车位的方案", url=""
            )

    missing = [(title, build) for title, build in scenarios if title not in existing]
    for title, build in missing:
        build(title)
    if missing:
        # Reminders, urges, the automatic escalation and closing, as cron would have sent them for
        # the new requests. A second run leaves the requests as people left them.
        deadlines_process(now=timezone.now())
