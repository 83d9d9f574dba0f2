"""The city's past four-party meetings for ``seed_scale``: closed meetings of every community with
their four parties, agenda, minutes (a valid hash chain, sealed), a motion decided by simple
majority with its ballots (the result computed by ``voting.simple_majority``), and the
resolution of each motion that passed. Written in bulk like the city's requests
(``deliberation.demo.bulk``); consistent with what the services would have written."""

import datetime
import random
import uuid

from django.utils import timezone

from deliberation.demo.bulk import Rows, sequences_reset

from .. import voting
from ..models import (
    AgendaItem,
    Ballot,
    LiveState,
    Meeting,
    MinuteEntry,
    Motion,
    Participant,
    Party,
    Resolution,
)
from ..services.minutes import entry_hash

TOPICS = [
    ("地下车库漏水维修", "车库顶板渗水，物业提出维修方案和费用分摊"),
    ("小区停车管理调整", "外来车辆收费标准和业主车位分配"),
    ("电梯更新改造", "使用超过十五年的电梯更新的方案"),
    ("垃圾分类投放点设置", "投放点位置和开放时间"),
    ("绿化养护方案", "绿化外包合同到期后的养护安排"),
]


def seed_meetings(city, *, size, progress, rng: random.Random) -> None:
    meetings = Rows(Meeting, on_write=lambda k: progress("meetings", k))
    participants = Rows(Participant, after=[meetings])
    items = Rows(AgendaItem, after=[meetings])
    entries = Rows(MinuteEntry, after=[items])
    states = Rows(LiveState, after=[meetings])
    motions = Rows(Motion, after=[items])
    ballots = Rows(Ballot, after=[motions, participants])
    resolutions = Rows(Resolution, after=[motions])
    now = timezone.now()
    span = datetime.timedelta(days=365 * size.years)
    per_community = size.meetings // max(1, len(city.communities))
    for entry in city.communities:
        community = entry.community
        staff = city.staff_of.get(community.property_company_id)
        people = [
            (entry.committee, Party.COMMITTEE),
            (staff, Party.PROPERTY),
            (entry.representative, Party.RESIDENTS),
            (entry.worker, Party.COMMUNITY),
        ]
        for _ in range(per_community):
            topic, detail = rng.choice(TOPICS)
            starts = now - span * rng.random() - datetime.timedelta(days=1)
            meeting = meetings.add(
                Meeting(
                    community=community,
                    title=f"四方会议：{topic}",
                    place="社区会议室",
                    starts_at=starts,
                    ends_at=starts + datetime.timedelta(hours=2),
                    status=Meeting.Status.CLOSED,
                    convener=entry.worker,
                    uid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    description=detail,
                )
            )
            present = []
            for user, party in people:
                if user is None:
                    continue
                present.append(
                    participants.add(
                        Participant(
                            meeting=meeting,
                            user=user,
                            name=user.display_name,
                            party=party,
                            partstat="ACCEPTED",
                        )
                    )
                )
            item = items.add(AgendaItem(meeting=meeting, position=1, title=topic, description=detail))
            choices = [rng.choice(["for", "for", "for", "against", "abstain"]) for _ in present]
            result = voting.simple_majority(
                [
                    voting.Vote(p.pk, choice, party=p.party)
                    for p, choice in zip(present, choices, strict=True)
                ],
                eligible=len(present),
            )
            closed_at = starts + datetime.timedelta(minutes=90)
            motion = motions.add(
                Motion(
                    meeting=meeting,
                    agenda_item=item,
                    text=f"同意{topic}的方案",
                    status=Motion.Status.CLOSED,
                    opened_by=entry.worker,
                    opened_at=starts + datetime.timedelta(minutes=60),
                    closed_by=entry.worker,
                    closed_at=closed_at,
                    passed=result.passed,
                    result=result.as_dict(),
                )
            )
            for participant, choice in zip(present, choices, strict=True):
                ballots.add(Ballot(motion=motion, participant=participant, choice=choice, cast_at=closed_at))
            texts = [
                (MinuteEntry.Kind.NOTE, Party.COMMUNITY, f"会议开始，议题：{topic}。"),
                (MinuteEntry.Kind.STATEMENT, Party.PROPERTY, f"物业公司介绍方案：{detail}。"),
                (MinuteEntry.Kind.STATEMENT, Party.RESIDENTS, "居民代表转达了居民的意见。"),
                (
                    MinuteEntry.Kind.DECISION,
                    Party.COMMUNITY,
                    "表决通过。" if result.passed else "表决未通过。",
                ),
            ]
            prev = ""
            for position, (kind, party, text) in enumerate(texts, start=1):
                minute = MinuteEntry(
                    meeting=meeting,
                    position=position,
                    kind=kind,
                    party=party,
                    text=text,
                    agenda_item=item,
                    author=entry.worker,
                    author_name=entry.worker.display_name,
                    created_at=starts + datetime.timedelta(minutes=20 * position),
                    prev_hash=prev,
                )
                minute.meeting_id, minute.agenda_item_id = meeting.pk, item.pk
                minute.hash = prev = entry_hash(minute, prev)
                entries.add(minute)
            states.add(
                LiveState(
                    meeting=meeting,
                    started_at=starts,
                    finalised_at=starts + datetime.timedelta(hours=2),
                    final_hash=prev,
                )
            )
            if result.passed:
                resolutions.add(
                    Resolution(
                        motion=motion,
                        meeting=meeting,
                        community=community,
                        title=motion.text,
                        text=motion.text,
                        result=motion.result,
                        published_at=closed_at,
                    )
                )
    for rows in (meetings, participants, items, states, motions, ballots, entries, resolutions):
        rows.flush()
    sequences_reset(Meeting, Participant, AgendaItem, Motion, Ballot, MinuteEntry, Resolution)
