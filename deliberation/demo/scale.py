"""A city to measure on (``manage.py seed_scale``): street offices and their communities with
their hall and meetings pages, accounts and memberships, buildings, households and owners, and
years of requests in every state with their supports, timelines and evaluations.

The rows are consistent with what the services would have written — a request's status, its
times and its timeline agree, a support count equals its supports, no one supports their own
request, each community's requests carry the tracking number of their id — but they are written
in bulk (``bulk.Rows``), not through the services: a million requests through the services would
take hours. The pages, statistics and search read them as they read real ones. Deterministic for
a given ``seed``.
"""

import datetime
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models.signals import post_save
from django.utils import timezone
from wagtail.models import Page
from wagtail.models.reference_index import ReferenceIndex
from wagtail.search import index
from wagtail.search import signal_handlers as search_signal_handlers

from cms.models import CommunityPage, HomePage, StreetOfficePage

from ..models import (
    Building,
    Category,
    Household,
    Membership,
    Owner,
    PropertyCompany,
    Request,
    RequestEvent,
    Role,
    User,
)
from ..search import grams_of
from ..services.pages import hall_page_ensure
from .bulk import Rows, sequences_reset


@dataclass(frozen=True)
class Size:
    streets: int = 50
    communities: int = 1_000
    households: int = 300_000
    requests: int = 1_000_000
    meetings: int = 20_000
    years: int = 3

    def scaled(self, factor: float) -> "Size":
        def part(n, least):
            return max(least, round(n * factor))

        return Size(
            streets=part(self.streets, 1),
            communities=part(self.communities, 1),
            households=part(self.households, 10),
            requests=part(self.requests, 10),
            meetings=part(self.meetings, 0),
            years=self.years,
        )


@dataclass
class CommunityPeople:
    community: CommunityPage
    worker: User
    residents: list = field(default_factory=list)  # ids
    households: list = field(default_factory=list)  # ids
    committee: User | None = None
    representative: User | None = None


@dataclass
class City:
    streets: list
    communities: list  # of CommunityPeople
    companies: list
    staff_of: dict  # a property company's id: one of its staff


PLACES = [
    "1号楼",
    "2号楼",
    "3号楼",
    "5号楼",
    "8号楼",
    "地下车库",
    "小区东门",
    "中心花园",
    "垃圾站",
    "车棚",
    "健身区",
]
PROBLEMS = [
    ("楼道漏水", "楼道顶上一直漏水，墙皮都泡软了"),
    ("电梯停运", "电梯又停了，老人上下楼很不方便"),
    ("路灯不亮", "晚上路灯不亮，走路看不清"),
    ("垃圾清运不及时", "垃圾桶满了两天没人清"),
    ("噪音扰民", "夜里施工噪音很大，影响休息"),
    ("停车位紧张", "外来车辆占用车位，业主停不进来"),
    ("绿化带缺乏养护", "绿化带杂草丛生，有蚊虫"),
    ("门禁损坏", "单元门禁坏了，陌生人随便进出"),
    ("下水道堵塞", "下水道堵了，污水反到地面"),
    ("充电桩不够", "电动车充电桩太少，有人飞线充电"),
    ("健身器材损坏", "健身器材螺丝松了，有安全隐患"),
    ("外墙脱落", "外墙瓷砖脱落，砸到了车"),
]
SUFFIXES = ["", "，请尽快处理", "，已经三天了", "，多次反映无果", "，希望物业上门看看"]

#: Requests older than this are finished with (as in a community that works): closed,
#: evaluated, rejected or resolved by a meeting; the newer ones are in every state.
SETTLED_AFTER = datetime.timedelta(days=60)
SETTLED_SHARES = [("closed", 62), ("evaluated", 25), ("rejected", 8), ("resolved_by_meeting", 5)]
# The share of requests in each status among the recent ones, and what each has been through.
STATUS_SHARES = [
    ("closed", 45),
    ("evaluated", 22),
    ("resolved", 5),
    ("responded", 5),
    ("accepted", 8),
    ("submitted", 6),
    ("rejected", 5),
    ("on_agenda", 2),
    ("resolved_by_meeting", 2),
]
PATHS = {
    "submitted": ["submitted"],
    "rejected": ["submitted", "rejected"],
    "accepted": ["submitted", "accepted"],
    "responded": ["submitted", "accepted", "responded"],
    "on_agenda": ["submitted", "accepted", "on_agenda"],
    "resolved": ["submitted", "accepted", "responded", "resolved"],
    "resolved_by_meeting": ["submitted", "accepted", "on_agenda", "resolved_by_meeting"],
    "evaluated": ["submitted", "accepted", "responded", "resolved", "evaluated"],
    "closed": ["submitted", "accepted", "responded", "resolved", "evaluated", "closed"],
}
STATUS_OF_EVENT = {
    "submitted": "submitted",
    "accepted": "accepted",
    "rejected": "rejected",
    "responded": "responded",
    "resolved": "resolved",
    "on_agenda": "on_agenda",
    "resolved_by_meeting": "resolved_by_meeting",
    "evaluated": "evaluated",
    "closed": "closed",
}


class _Unindexed:
    """Pages made here skip Wagtail's search and reference indexes (thousands of pages)."""

    def __enter__(self):
        self.models = [m for m in index.get_indexed_models() if issubclass(m, Page)]
        for model in self.models:
            post_save.disconnect(search_signal_handlers.post_save_signal_handler, sender=model)
        self.reference = ReferenceIndex.model_is_indexable
        ReferenceIndex.model_is_indexable = classmethod(lambda cls, model, allow_child_models=False: False)

    def __exit__(self, *exc):
        for model in self.models:
            post_save.connect(search_signal_handlers.post_save_signal_handler, sender=model)
        ReferenceIndex.model_is_indexable = self.reference


def _user(rows: Rows, n: int, name: str, **fields) -> User:
    return rows.add(
        User(
            username=f"scale-{n}",
            email=f"scale-{n}@city.example",
            password="!",  # no password: nobody logs in to a seeded account by password
            display_name=name,
            feed_token=secrets.token_urlsafe(24),
            **fields,
        )
    )


def seed_city(*, size: Size, progress, rng: random.Random, meeting_index_ensure) -> City:
    """Places, people and requests; ``progress(step, n)`` is told of every batch written."""
    home = HomePage.objects.get(depth=2)
    users = Rows(User)
    companies = [
        PropertyCompany.objects.create(name=f"城市物业{i + 1}号公司")
        for i in range(max(1, size.communities // 20))
    ]
    staff = [_user(users, i, f"物业{i + 1}", property_company=c) for i, c in enumerate(companies)]
    streets, communities = [], []
    with _Unindexed():
        for s in range(size.streets):
            street = home.add_child(
                instance=StreetOfficePage(title=f"第{s + 1}街道办事处", slug=f"scale-street-{s + 1}")
            )
            streets.append(street)
            progress("street offices", 1)
        per_street = -(-size.communities // size.streets)
        for c in range(size.communities):
            street = streets[c // per_street]
            community = street.add_child(
                instance=CommunityPage(
                    title=f"{street.title[:-4]}第{c + 1}社区",
                    slug=f"scale-community-{c + 1}",
                    area="城区",
                    property_company=companies[c % len(companies)],
                    support_threshold=10,
                )
            )
            hall_page_ensure(community)
            meeting_index_ensure(community)
            communities.append(community)
            progress("communities", 1)
    n = len(staff)
    officers = []
    for street in streets:
        officers.append(_user(users, n, f"{street.title}干部", street_office=street))
        n += 1

    buildings = Rows(Building)
    households = Rows(Household, on_write=lambda k: progress("households", k), after=[buildings])
    owners = Rows(Owner, after=[users, households])
    memberships = Rows(Membership, after=[users, households])
    people = []
    per_community = max(1, size.households // size.communities)
    for community in communities:
        worker = _user(users, n, f"{community.title}社工")
        n += 1
        entry = CommunityPeople(community=community, worker=worker)
        memberships.add(Membership(user=worker, community=community, role=Role.WORKER, status="approved"))
        for b in range(max(1, per_community // 30)):
            building = buildings.add(Building(community=community, name=f"{b + 1}号楼"))
            for h in range(30):
                if b * 30 + h >= per_community:
                    break
                household = households.add(
                    Household(
                        building=building,
                        unit=f"{h // 10 + 1}单元",
                        room=f"{h % 10 + 1}0{h % 4 + 1}",
                        area=Decimal(rng.randrange(5500, 14500)) / 100,
                    )
                )
                entry.households.append(household.pk)
                owner_user = None
                if h % 3 == 0:  # a third of the households have an account (a resident member)
                    owner_user = _user(users, n, f"居民{n}")
                    n += 1
                    memberships.add(
                        Membership(
                            user=owner_user,
                            community=community,
                            role=Role.RESIDENT,
                            status="approved",
                            household=household,
                        )
                    )
                    entry.residents.append(owner_user.pk)
                owners.add(Owner(household=household, name=f"业主{household.pk}", user=owner_user))
        for role in (Role.COMMITTEE, Role.REPRESENTATIVE):
            member = _user(users, n, f"{community.title}{role.label}")
            n += 1
            memberships.add(Membership(user=member, community=community, role=role, status="approved"))
            setattr(entry, "committee" if role == Role.COMMITTEE else "representative", member)
        if not entry.residents:
            entry.residents.append(worker.pk)
        people.append(entry)
    # Users first: the memberships, owners and requests point at them.
    for rows in (users, buildings, households, owners, memberships):
        rows.flush()
    sequences_reset(User, Building, Household, Owner, Membership)
    city = City(
        streets=streets,
        communities=people,
        companies=companies,
        staff_of={user.property_company_id: user for user in staff},
    )
    _seed_requests(city, size=size, progress=progress, rng=rng)
    return city


def _seed_requests(city: City, *, size: Size, progress, rng: random.Random) -> None:
    from django.contrib.contenttypes.models import ContentType
    from vote.models import Vote

    categories = list(Category.objects.all())
    request_type = ContentType.objects.get_for_model(Request)
    requests = Rows(Request, on_write=lambda k: progress("requests", k))
    events = Rows(RequestEvent, after=[requests])
    votes = Rows(Vote, after=[requests])
    now = timezone.now()
    span = datetime.timedelta(days=365 * size.years)
    statuses = [s for s, share in STATUS_SHARES for _ in range(share)]
    settled = [s for s, share in SETTLED_SHARES for _ in range(share)]
    per_community = max(1, size.requests // len(city.communities))
    for entry in city.communities:
        community = entry.community
        for _ in range(per_community):
            created = now - span * (rng.random() ** 0.8)  # more of them recently
            status = rng.choice(settled if now - created > SETTLED_AFTER else statuses)
            problem, detail = rng.choice(PROBLEMS)
            place = rng.choice(PLACES)
            requester = rng.choice(entry.residents)
            category = rng.choice(categories)
            request = Request(
                community=community,
                category=category,
                requester_id=requester,
                title=f"{place}{problem}",
                description=f"{place}{detail}{rng.choice(SUFFIXES)}。",
                location=place,
                show_name=rng.random() < 0.2,
                status=status,
                created_at=created,
                responsible_party=category.default_party if status != "submitted" else "",
                assigned_company=(
                    community.property_company
                    if status != "submitted" and category.default_party == "property"
                    else None
                ),
            )
            request.pk = requests.new_id()
            request.tracking_number = f"SQ-{timezone.localtime(created).year}-{request.pk:06d}"
            request.search_grams = grams_of(request.title, request.description, request.location)
            at = created
            for kind in PATHS[status]:
                if kind != "submitted":
                    at += datetime.timedelta(hours=rng.randrange(2, 96))
                if at > now:
                    at = now
                if kind == "accepted":
                    request.accepted_at = at
                    request.due_date = timezone.localtime(at).date() + datetime.timedelta(
                        days=category.sla_days
                    )
                elif kind == "responded":
                    request.first_response_at = at
                elif kind in ("resolved", "resolved_by_meeting"):
                    request.resolved_at = at
                elif kind == "evaluated":
                    request.evaluated_at = at
                    request.rating = rng.choice([5, 5, 5, 4, 4, 3, 2, 1])
                elif kind == "closed":
                    request.closed_at = at
                events.add(
                    RequestEvent(
                        request_id=request.pk,
                        kind=kind,
                        by_id=requester if kind in ("submitted", "evaluated") else entry.worker.pk,
                        to_status=STATUS_OF_EVENT[kind],
                        at=at,
                        rating=request.rating if kind == "evaluated" else None,
                    )
                )
            if rng.random() < 0.03 and status in Request.OPEN_STATUSES:
                request.escalated_at = at
                request.escalation_reason = "逾期未办结"
            supporters = {rng.choice(entry.residents) for _ in range(int(rng.expovariate(1.0) * 2))}
            supporters.discard(requester)
            request.num_vote_up = request.vote_score = len(supporters)
            requests.add(request)
            for user_id in supporters:
                votes.add(Vote(user_id=user_id, content_type=request_type, object_id=request.pk, action=0))
    for rows in (requests, events, votes):
        rows.flush()
    sequences_reset(Request, RequestEvent, Vote)
