"""Demo data for meetings. ``seed_demo`` calls ``seed(ctx)`` after the requests exist.

Xingfu gets a scheduled four-party meeting with all four parties (the property company's project
manager only by email) and its agenda, and a second meeting whose time poll is open. Idempotent:
meetings are found by community and title; one that exists is never touched again.
Everything goes through the services, so the invitations and the poll are mailed through the
configured backend (the console in development) when the demo is first loaded.
"""

from datetime import timedelta

from django.utils import timezone

from ..models import Meeting, ParticipantRole, Party
from ..services import convening, polls
from ..services.pages import meeting_index_ensure

SCHEDULED_TITLE = "十二月四方会议：电梯更换与停车秩序"
POLLING_TITLE = "2027年一季度四方会议"
MANAGER_EMAIL = "manager@yiju.example"
FALLBACK_AGENDA = [  # used when the community has no open requests
    "3号楼电梯频繁故障，申请更换",
    "夜间占用消防通道停车",
    "垃圾分类投放点异味",
]


def _at(days: int, hour: int):
    day = timezone.localtime() + timedelta(days=days)
    start = day.replace(hour=hour, minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=2)


def _participants(meeting, ctx):
    users = ctx.users
    worker = users["worker"]
    wanted = [
        dict(user=users["worker"], party=Party.COMMUNITY, role=ParticipantRole.CHAIR),
        dict(user=users["committee"], party=Party.COMMITTEE),
        dict(user=users["property"], party=Party.PROPERTY),
        dict(name="孙经理（物业项目经理）", email=MANAGER_EMAIL, phone="139 0000 2222", party=Party.PROPERTY),
        dict(user=users["representative"], party=Party.RESIDENTS),
    ]
    if ctx.neighbours:
        wanted.append(dict(user=ctx.neighbours[0], party=Party.RESIDENTS, role=ParticipantRole.SECRETARY))
    for fields in wanted:
        user = fields.get("user")
        exists = (
            meeting.participants.filter(user=user)
            if user
            else meeting.participants.filter(email=fields["email"])
        )
        if not exists.exists():
            convening.participant_add(meeting=meeting, by=worker, **fields)


def _agenda(meeting, ctx):
    """Three items from the hall's requests (proposed ones first), or fixed topics without a hall."""
    if meeting.agenda_items.exists():
        return
    worker = ctx.users["worker"]
    # Proposed requests first; then ones already answered. Fresh submissions stay with the hall's
    # workers (and the hall's demo keeps a request in every state).
    requests = [
        r
        for r in convening.suggested_requests(meeting, limit=30)
        if r.proposed_at or r.status in (r.Status.ON_AGENDA, r.Status.RESPONDED)
    ][:3]
    if requests:
        convening.agenda_items_from_requests(meeting=meeting, by=worker, requests=requests)
    else:
        for title in FALLBACK_AGENDA:
            convening.agenda_item_add(meeting=meeting, by=worker, title=title)


def seed(ctx) -> None:
    """Create the demo meetings that are missing. A meeting that exists is left as people left it
    (started, closed, cancelled, participants removed): ``make run`` seeds on every start."""
    for each in ctx.communities.values():
        meeting_index_ensure(each)
    community = ctx.communities["xingfu"]
    worker = ctx.users["worker"]
    if not Meeting.objects.filter(community=community, title=SCHEDULED_TITLE).exists():
        starts, ends = _at(days=10, hour=19)
        scheduled = convening.meeting_create(
            community=community,
            by=worker,
            title=SCHEDULED_TITLE,
            place="幸福社区党群服务中心三楼会议室",
            starts_at=starts,
            ends_at=ends,
            description="业委会、物业、居民代表和社区共同商议居民议事厅中附议较多的诉求。",
        )
        _participants(scheduled, ctx)
        _agenda(scheduled, ctx)
        convening.meeting_schedule(meeting=scheduled, by=worker)

    if not Meeting.objects.filter(community=community, title=POLLING_TITLE).exists():
        polling = convening.meeting_create(
            community=community, by=worker, title=POLLING_TITLE, place="幸福社区党群服务中心"
        )
        _participants(polling, ctx)
        polls.poll_open(meeting=polling, by=worker, slots=[_at(20, 19), _at(22, 15), _at(24, 19)])
