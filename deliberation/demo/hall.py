"""Demo data for the deliberation hall: realistic requests of 幸福社区 in every state.

``seed_demo`` calls ``seed(ctx)`` after the places and accounts exist. Every request is made
through the same services the site uses, so the timelines and notices are real; afterwards its
timestamps are moved into the past (the only place that rewrites times, and only for the demo)
so the hall, the deadlines and the statistics look like a few weeks of use. Idempotent: a
scenario whose title already exists in the community is skipped, and a run that creates nothing
changes nothing.
"""

import datetime

from django.utils import timezone

from ..models import Category, Channel, Request, RequestEvent, Response
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

TIME_FIELDS = {
    "submitted": "created_at",
    "recorded": "created_at",
    "accepted": "accepted_at",
    "responded": "first_response_at",
    "resolved": "resolved_at",
    "resolved_by_meeting": "resolved_at",
    "evaluated": "evaluated_at",
    "closed": "closed_at",
    "rejected": "closed_at",
    "auto_closed": "closed_at",
    "proposed": "proposed_at",
    "escalated": "escalated_at",
}


def _backdate(request: Request, days_ago: float, hours: list[float], due_in_days: int | None = None) -> None:
    """Spread the request's events from ``days_ago`` on, ``hours`` after the first one each.

    ``due_in_days`` pins the due date relative to today (for a request that must show a reminder).
    """
    start = timezone.now() - datetime.timedelta(days=days_ago)
    request.refresh_from_db()
    events = list(request.events.order_by("id"))
    times = [start + datetime.timedelta(hours=h) for h in hours]
    times += [times[-1]] * (len(events) - len(times))
    updates = {}
    for event, at in zip(events, times, strict=True):
        RequestEvent.objects.filter(pk=event.pk).update(at=at)
        field = TIME_FIELDS.get(event.kind)
        if field and getattr(request, field) is not None:
            if field in ("created_at", "first_response_at") and field in updates:
                continue
            updates[field] = at
    anchors = [at for event, at in zip(events, times, strict=True) if event.kind in ("accepted", "reopened")]
    if request.due_date and anchors:
        # The due date was set "now" by accepting or reopening; move it back with that event.
        updates["due_date"] = request.due_date - (timezone.localdate() - timezone.localdate(anchors[-1]))
    if due_in_days is not None:
        updates["due_date"] = timezone.localdate() + datetime.timedelta(days=due_in_days)
    for response, event in zip(
        request.responses.order_by("id"), [e for e in events if e.kind == "responded"], strict=False
    ):
        Response.objects.filter(pk=response.pk).update(created_at=times[events.index(event)])
    Request.objects.filter(pk=request.pk).update(**updates)


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
        r = submit(
            users["resident"],
            title,
            "5号楼2单元电梯这个月已经停了三次，楼上有几位行动不便的老人。",
            "设施维修",
            "5号楼2单元",
            True,
        )
        supports(r, neighbours[:5])
        _backdate(r, 3, [0, 20])

    @scenario("北门晚上路灯不亮")
    def _(title):
        r = submit(neighbours[0], title, "北门到3号楼之间的三盏路灯坏了，晚上回家很黑。", "设施维修", "北门")
        supports(r, neighbours[1:2])
        _backdate(r, 1, [0])

    @scenario("2号楼楼顶漏水")
    def _(title):
        r = submit(
            neighbours[1], title, "下雨后顶楼502卫生间天花板渗水，墙皮脱落。", "设施维修", "2号楼1单元502"
        )
        request_accept(request=r, by=worker, note="已联系物业上门查看")
        _backdate(r, 2, [0, 3])

    @scenario("地下车库积水")
    def _(title):
        r = submit(neighbours[2], title, "地下车库B区排水沟堵塞，积水有十几厘米深。", "停车", "地下车库B区")
        request_accept(request=r, by=worker)
        request_respond(request=r, by=staff, body="已安排工人明早疏通排水沟，并加装一台排水泵。")
        _backdate(r, 4, [0, 2, 20], due_in_days=1)  # due tomorrow: a reminder

    @scenario("垃圾分类点异味严重")
    def _(title):
        r = submit(
            neighbours[3], title, "4号楼旁垃圾分类点夏天异味很大，清运不及时。", "环境卫生", "4号楼东侧"
        )
        request_accept(request=r, by=worker)
        request_respond(request=r, by=staff, body="清运改为每天两次，并每周冲洗消毒。")
        request_resolve(request=r, by=staff, note="已调整清运频次")
        _backdate(r, 5, [0, 4, 24, 48])

    @scenario("儿童游乐设施损坏")
    def _(title):
        r = submit(neighbours[4], title, "中心花园滑梯扶手断裂，孩子容易受伤。", "设施维修", "中心花园", True)
        request_accept(request=r, by=worker)
        request_respond(request=r, by=staff, body="已围挡，配件到货后更换。")
        request_resolve(request=r, by=staff, note="扶手已更换")
        request_evaluate(request=r, by=neighbours[4], rating=5, comment="修得很快，谢谢物业！")
        _backdate(r, 24, [0, 2, 6, 70, 80])

    @scenario("楼道堆放杂物占用消防通道")
    def _(title):
        r = submit(
            neighbours[5], title, "3号楼1单元楼道堆满纸箱和旧家具，影响消防通道。", "安全", "3号楼1单元"
        )
        request_accept(request=r, by=worker)
        request_respond(request=r, by=worker, body="已张贴清理通知，请住户三日内自行清理。")
        request_resolve(request=r, by=worker)
        request_evaluate(request=r, by=neighbours[5], rating=2, comment="通知贴了，但杂物还在。")
        _backdate(r, 12, [0, 5, 24, 96, 120, 120])

    @scenario("要求减免本年度物业费")
    def _(title):
        r = submit(neighbours[6], title, "今年小区绿化差，要求减免物业费。", "物业服务")
        request_reject(
            request=r, by=worker, reason="物业费调整需业主大会决定，已转业委会，可在四方会议上提出议题。"
        )
        _backdate(r, 9, [0, 26])

    @scenario("绿化带被占用种菜")
    def _(title):
        r = submit(neighbours[7], title, "1号楼前公共绿化带被个别住户开垦种菜。", "邻里纠纷", "1号楼南侧")
        request_accept(request=r, by=worker)
        request_respond(request=r, by=worker, body="社区网格员已上门沟通，住户同意恢复绿化。")
        request_resolve(request=r, by=worker)
        request_evaluate(request=r, by=neighbours[7], rating=4, comment="沟通得不错。")
        request_close(request=r, by=worker, note="已回访")
        _backdate(r, 45, [0, 8, 72, 240, 250, 260])

    @scenario("单元门禁失灵")
    def _(title):
        r = submit(
            users["representative"], title, "2号楼2单元门禁刷卡无反应，陌生人随意进出。", "安全", "2号楼2单元"
        )
        request_accept(request=r, by=worker, party="property")
        request_resolve(request=r, by=staff, note="已更换门禁主板")
        _backdate(r, 11, [0, 2, 30])  # resolved ten days ago, never evaluated: closed automatically

    @scenario("外墙瓷砖脱落有安全隐患")
    def _(title):
        r = submit(
            users["committee"], title, "4号楼西侧外墙瓷砖有松动，已经掉下来两块。", "设施维修", "4号楼西侧"
        )
        request_accept(request=r, by=worker)
        request_respond(request=r, by=staff, body="已拉警戒线，正在联系有资质的施工队。")
        _backdate(r, 12, [0, 3, 30])  # due five days after acceptance: overdue, urged and escalated

    @scenario("楼上噪音纠纷多次调解无果")
    def _(title):
        r = submit(
            neighbours[0], title, "楼上住户每晚十二点后仍有很大噪音，多次沟通无效。", "邻里纠纷", "3号楼2单元"
        )
        request_accept(request=r, by=worker)
        request_respond(request=r, by=worker, body="社区已组织双方第一次调解。")
        request_escalate(request=r, by=worker, reason="双方分歧较大，需街道人民调解委员会介入。")
        _backdate(r, 6, [0, 4, 48, 100])

    @scenario("独居老人家中水管漏水")
    def _(title):
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
        request_accept(request=r, by=worker, party="property")
        request_respond(request=r, by=staff, body="维修师傅已上门更换接口。")
        _backdate(r, 1.5, [0, 1, 5])

    @scenario("增设电动自行车充电桩")
    def _(title):
        r = submit(
            users["representative"],
            title,
            "电动车在楼道充电很危险，建议在北门车棚增设集中充电桩。",
            "安全",
            "北门车棚",
            True,
        )
        supports(r, neighbours[1:8])
        request_put_on_agenda(request=r, by=worker, meeting_title="十二月四方会议", url="")
        _backdate(r, 8, [0, 30, 60])

    @scenario("地面停车位分配方案")
    def _(title):
        r = submit(neighbours[2], title, "地面停车位紧张，希望公开透明地分配。", "停车", "", True)
        supports(r, neighbours[3:9])
        request_put_on_agenda(request=r, by=worker, meeting_title="十一月四方会议", url="")
        request_resolve_by_meeting(
            request=r, by=worker, resolution_title="通过按户摇号分配地面车位的方案", url=""
        )
        _backdate(r, 6, [0, 20, 60, 100])

    missing = [(title, build) for title, build in scenarios if title not in existing]
    for title, build in missing:
        build(title)
    if missing:
        # Reminders, urges, the automatic escalation and closing, as cron would have sent them for
        # the new requests. A second run leaves the requests as people left them.
        deadlines_process(now=timezone.now())
