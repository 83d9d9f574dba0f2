"""Demo data for live minutes: a finished four-party meeting in Xingfu with verified minutes, two
motions (one by simple majority, one owners' vote under art. 278 with written proxies), a
resolution with follow-up actions, and a meeting in progress to watch live.

Called from ``meetings.demo.seed``. Idempotent: meetings are found by community and title.
Everything goes through the services, as a secretary would do it.
"""

import random
from datetime import timedelta

from django.utils import timezone

from deliberation.models import Owner, Request

from ..models import AgendaItem, Meeting, Motion, Participant, ParticipantRole, Party
from ..services import convening, minutes, motions

CLOSED_TITLE = "十一月四方会议：门禁系统与电梯维修资金"
LIVE_TITLE = "楼道堆物整治专题会（进行中）"
HALL_REQUEST_TITLE = "楼道堆放杂物占用消防通道"


def _meeting(community, title, convener, *, agenda):
    # Entries are stamped when they are written (now), so the demo meetings are held now.
    start = (timezone.localtime() - timedelta(minutes=30)).replace(second=0, microsecond=0)
    meeting = Meeting.objects.create(
        community=community,
        title=title,
        place="幸福社区党群服务中心二楼议事厅",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        status=Meeting.Status.SCHEDULED,
        visibility=Meeting.Visibility.PUBLIC,
        convener=convener,
    )
    for position, item in enumerate(agenda):
        AgendaItem.objects.create(meeting=meeting, position=position, title=item)
    return meeting


def _participants(meeting, ctx):
    users = ctx.users
    secretary = ctx.neighbours[1] if len(ctx.neighbours) > 1 else users["worker"]
    rows = [
        (users["worker"], Party.COMMUNITY, ParticipantRole.CHAIR, True),
        (secretary, Party.COMMUNITY, ParticipantRole.SECRETARY, False),
        (users["committee"], Party.COMMITTEE, ParticipantRole.MEMBER, True),
        (users["property"], Party.PROPERTY, ParticipantRole.MEMBER, True),
        (users["representative"], Party.RESIDENTS, ParticipantRole.MEMBER, True),
    ]
    people = {}
    for user, party, role, votes in rows:
        people[role if role != ParticipantRole.MEMBER else party] = Participant.objects.create(
            meeting=meeting, user=user, name=str(user), email=user.email, party=party, role=role, votes=votes
        )
    return people


def _closed_meeting(community, ctx):
    worker = ctx.users["worker"]
    meeting = _meeting(
        community,
        CLOSED_TITLE,
        worker,
        agenda=["小区门禁系统老化，申请更换", "3号楼电梯使用专项维修资金大修"],
    )
    people = _participants(meeting, ctx)
    chair, secretary = people[ParticipantRole.CHAIR].user, people[ParticipantRole.SECRETARY].user
    minutes.meeting_start(meeting=meeting, by=chair)
    for participant in people.values():
        minutes.attendance_check_in(meeting=meeting, participant=participant, by=secretary)
    say = lambda kind, text, party="": minutes.minute_add(  # noqa: E731
        meeting=meeting, by=secretary, kind=kind, text=text, party=party
    )
    say("note", "主持人宣布会议开始，四方均已到会，符合议事规则。")
    say("statement", "门禁刷卡器多处失灵，外来人员随意进出，居民反映强烈。", Party.RESIDENTS)
    say(
        "statement", "物业已询价三家供应商，人脸识别门禁约需 8.6 万元，可在 30 日内完成安装。", Party.PROPERTY
    )
    say("statement", "业委会同意从公共收益中列支，要求公开招标结果。", Party.COMMITTEE)
    items = list(meeting.agenda_items.order_by("position"))
    event = motions.motion_open(
        meeting=meeting,
        by=chair,
        text="同意更换小区门禁系统，费用 8.6 万元由公共收益列支，物业 30 日内完成。",
        agenda_item=items[0],
    )
    motion = Motion.objects.get(pk=event.payload["id"])
    for key, choice in (
        (ParticipantRole.CHAIR, "for"),
        (Party.COMMITTEE, "for"),
        (Party.PROPERTY, "for"),
        (Party.RESIDENTS, "abstain"),
    ):
        motions.ballot_cast(motion=motion, by=people[key].user, choice=choice)
    motions.motion_close(motion=motion, by=chair)
    resolution = motion.resolution
    action = motions.action_add(
        resolution=resolution,
        by=secretary,
        title="物业公示三家报价并完成门禁安装",
        owner_party=Party.PROPERTY,
        due_date=timezone.localdate() + timedelta(days=30),
    )
    motions.action_progress(
        action=action, by=secretary, note="三家报价已在公告栏和议事厅公示。", status="in_progress"
    )
    motions.action_add(
        resolution=resolution,
        by=secretary,
        title="业委会监督验收并公布费用明细",
        owner_party=Party.COMMITTEE,
        due_date=timezone.localdate() + timedelta(days=45),
    )

    minutes.agenda_advance(meeting=meeting, by=secretary)
    say("note", "3号楼电梯大修需使用专项维修资金，属《民法典》第二百七十八条规定的重大事项，由业主共同决定。")
    event = motions.motion_open(
        meeting=meeting,
        by=chair,
        text="使用专项维修资金 32 万元对 3 号楼电梯进行大修。",
        rule=Motion.Rule.CIVIL_CODE_278,
        matter=Motion.Matter.MAJOR,
        agenda_item=items[1],
    )
    owners_vote = Motion.objects.get(pk=event.payload["id"])
    owners = list(Owner.objects.for_community(community).order_by("pk"))
    rng = random.Random(278)
    for owner in owners[: int(len(owners) * 0.8)]:
        choice = rng.choices(["for", "against", "abstain"], weights=[86, 9, 5])[0]
        motions.ballot_record_proxy(
            motion=owners_vote,
            by=secretary,
            owner=owner,
            choice=choice,
            proxy_holder=f"{owner.household.building.name}楼长",
            publish=False,
        )
    motions.motion_publish_tally(owners_vote.pk)
    motions.motion_close(motion=owners_vote, by=chair)
    say("decision", "会议议定事项由社区在议事厅和公告栏公示三日。")
    minutes.meeting_close(meeting=meeting, by=chair)


def _live_meeting(community, ctx):
    meeting = _meeting(
        community,
        LIVE_TITLE,
        ctx.users["worker"],
        agenda=["楼道堆物清理时限", "电动车楼道充电处置"],
    )
    people = _participants(meeting, ctx)
    chair, secretary = people[ParticipantRole.CHAIR].user, people[ParticipantRole.SECRETARY].user
    # The hall's request about the same problem goes on the first item: a motion passed on it in the
    # demo resolves the request ("resolved by a meeting") and tells its requester.
    hallway = (
        Request.objects.for_community(community)
        .open()
        .filter(title=HALL_REQUEST_TITLE, agenda_items__isnull=True)
        .first()
    )
    if hallway is not None:
        convening.agenda_item_link_requests(
            item=meeting.agenda_items.order_by("position").first(), by=ctx.users["worker"], requests=[hallway]
        )
    minutes.meeting_start(meeting=meeting, by=chair)
    for key in (ParticipantRole.CHAIR, ParticipantRole.SECRETARY, Party.COMMITTEE, Party.PROPERTY):
        minutes.attendance_check_in(meeting=meeting, participant=people[key], by=secretary)
    minutes.minute_add(meeting=meeting, by=secretary, kind="note", text="会议开始，居民代表正在赶来。")


def seed(ctx) -> None:
    community = ctx.communities["xingfu"]
    if not Meeting.objects.filter(community=community, title=CLOSED_TITLE).exists():
        _closed_meeting(community, ctx)
    if not Meeting.objects.filter(community=community, title=LIVE_TITLE).exists():
        _live_meeting(community, ctx)
