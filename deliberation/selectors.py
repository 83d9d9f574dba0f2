"""Reads that cross models: the hall list, a request's page, the work queues.

Every list here costs a fixed number of queries whatever the number of rows.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from weakref import WeakKeyDictionary

import rules
from django.core.paginator import Paginator
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, Promise, empty
from django.utils.translation import gettext_lazy as _

from cms.converters import is_id
from cms.models import CommunityPage

from .models import (
    Delivery,
    HallPage,
    Household,
    Membership,
    Notification,
    Owner,
    Request,
    RequestEvent,
    RequestPhoto,
    Response,
    ResponsibleParty,
    Role,
    User,
)
from .search import search_requests


def membership_role(*, user, community) -> str | None:
    """The role ``user`` holds in ``community`` as a verified member, or ``None`` if not one.

    The one definition of "a verified member of a community": an approved membership
    (``Membership.objects.approved``). The predicates cache it per user; the services ask afresh.
    """
    if not user.is_authenticated or community is None:
        return None
    return (
        Membership.objects.approved()
        .filter(user=user, community=community)
        .values_list("role", flat=True)
        .first()
    )


def remembered_on_user(user, name: str) -> dict:
    """A dict kept on the user object for the rest of the HTTP request (``name`` says what it
    remembers). On the object itself: ``request.user`` is a lazy wrapper, and a permission asked
    through it (``user.has_perm``) reaches the predicates with the object inside, so both must
    remember in the same place."""
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user.__dict__.setdefault(name, {})


def _remembered_roles(user) -> dict:
    return remembered_on_user(user, "_membership_roles")


def remembered_membership_role(user, community) -> str | None:
    """``membership_role``, remembered on the user object for the rest of the HTTP request (the
    permission predicates ask it many times per page): the first question reads their role in
    every community they belong to, with the communities the header lists (``_member_communities``)."""
    if not user.is_authenticated or community is None:
        return None
    roles = _remembered_roles(user)
    if community.pk not in roles:
        _member_communities(user)  # the role in each of their communities, in one query
        roles.setdefault(community.pk, None)
    return roles[community.pk]


def is_verified_member(*, user, community) -> bool:
    return membership_role(user=user, community=community) is not None


def verified_members(community):
    """Everyone verified in ``community``, whatever their role (the people a meeting can invite)."""
    return User.objects.filter(memberships__in=Membership.objects.approved().filter(community=community))


def community_members(community, *, role: str):
    """The active people verified in ``community`` with ``role``: the ones a notice goes to."""
    return User.objects.filter(
        memberships__in=Membership.objects.approved().filter(community=community, role=role),
        is_active=True,
    )


def community_workers(community):
    """The community's workers (社区工作者): who triage its requests and verify its members."""
    return community_members(community, role=Role.WORKER)


SORTS = {
    "newest": ("-created_at", "-id"),
    "supported": ("-num_vote_up", "-created_at", "-id"),
    "due": (F("due_date").asc(nulls_last=True), "-created_at", "-id"),
}


def request_list(
    *,
    community=None,
    communities=None,
    status: str = "",
    category=None,
    flag: str = "",
    q: str = "",
    sort: str = "",
):
    """A list of requests, filtered; ``sort`` one of ``SORTS``, else the best match first when
    searching (``search.search_requests``), else the newest."""
    qs = Request.objects.for_list()
    if community is not None:
        qs = qs.filter(community=community)
    if communities is not None:
        qs = qs.filter(community__in=communities)
    if q:
        qs = search_requests(qs, q)  # best match first, unless another order is asked for
    if status:
        qs = qs.filter(status=status)
    if category is not None:
        qs = qs.filter(category=category)
    if flag == "proposed":
        qs = qs.filter(proposed_at__isnull=False)
    elif flag == "escalated":
        qs = qs.filter(escalated_at__isnull=False)
    elif flag == "overdue":
        qs = qs.overdue(timezone.localdate())
    if sort in SORTS:
        return qs.order_by(*SORTS[sort])
    return qs if q else qs.order_by(*SORTS["newest"])


class RequestPaginator(Paginator):
    """Pages of a request list (``request_list``, ``own_requests``) that show what Django's
    paginator shows and cost the same however many requests match.

    The matches are sorted and the page cut on the requests' own columns (their ids only); then
    the page's rows are read with what a row shows (``for_list``'s joins). Django's paginator
    would join the requester, category and community of every match before sorting them: for a
    street-wide search, thousands of joins to show twenty rows. (The count stays a query of its
    own, as Django's, so a page past the end costs the same queries as any other.)"""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids).order_by()} if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def request_for_detail(*, ref: str):
    """A request by tracking number (SQ-2026-000123) or primary key, with what its page shows."""
    qs = Request.objects.select_related(
        "community", "category", "requester", "assigned_company", "recorded_by"
    ).prefetch_related(
        Prefetch("photos", queryset=RequestPhoto.objects.filter(response__isnull=True), to_attr="own_photos"),
        Prefetch("responses", queryset=Response.objects.select_related("by").prefetch_related("photos")),
        "events__by",
    )
    return by_ref(qs, ref).first()


def by_ref(queryset, ref):
    """The one reading of a request's ref in a URL: a tracking number (any case) or a primary key."""
    ref = str(ref)
    if is_id(ref):
        return queryset.filter(pk=int(ref))
    return queryset.filter(tracking_number=ref.upper())


def request_community_id(ref) -> int | None:
    """The community a request's ref belongs to, or ``None`` when there is no such request."""
    return by_ref(Request.objects.all(), ref).values_list("community_id", flat=True).first()


#: A work queue shows the most urgent rows; the hall's filters find the rest.
WORK_QUEUE_LIMIT = 100


def work_queue(*, user) -> dict:
    """What each role has to act on: the company's, the community's, the street's requests."""
    sections = {}
    if user.property_company_id:
        sections["company"] = (
            Request.objects.for_list()
            .for_company(user.property_company)
            .open()
            .order_by(F("due_date").asc(nulls_last=True), "id")
        )
    worker_communities = Membership.objects.approved().filter(user=user, role=Role.WORKER).values("community")
    sections["community"] = (
        Request.objects.for_list()
        .filter(community__in=worker_communities)
        .open()
        .order_by(F("due_date").asc(nulls_first=True), "id")
    )
    if user.street_office_id:
        communities = user.street_office.communities().values("pk")
        sections["street"] = (
            Request.objects.for_list()
            .filter(community__in=communities)
            .escalated()
            .open()
            .order_by("-escalated_at")
        )
    return {name: qs[:WORK_QUEUE_LIMIT] for name, qs in sections.items()}


def owners_linked(user, community_id):
    """The owners on a community's roster linked to the user's account (they vote on art. 278
    motions). ``community_id`` may be an ``OuterRef`` (``Meeting.objects.visible_to`` asks it in SQL)."""
    return Owner.objects.for_community(community_id).filter(user=user)


# --- The hall's URLs ---------------------------------------------------------------------------
#
# One way to get them: the community's hall page (``HallPage``) and one of its routes. The page is
# looked up once per community and HTTP request (a list of 20 rows costs one query, not 20); the
# page being served is remembered first, so a preview's links and text come from the draft.

_HALL_PAGES: WeakKeyDictionary = WeakKeyDictionary()

#: The old URL names (now permanent redirects) that took the community's id.
COMMUNITY_ROUTES = {"hall", "request_new", "request_record"}


def _hall_cache(request) -> dict:
    return _HALL_PAGES.setdefault(request, {}) if request is not None else {}


_COMMUNITIES: WeakKeyDictionary = WeakKeyDictionary()


def remember_community(request, community) -> None:
    """The community this HTTP request is about, read already, so that what follows does not read
    it again (``remembered_community``): the community above the hall or meetings page being
    served, as Wagtail's routing read it (the page's parent: no query), or a meeting's. Anything
    that is not a community page (a parent read as a plain page, in a preview) is not kept."""
    if isinstance(community, CommunityPage):
        _COMMUNITIES[request] = community


def remembered_community(request, community_id) -> CommunityPage | None:
    """The community remembered for this request (``remember_community``) if it is the one
    ``community_id`` names."""
    community = _COMMUNITIES.get(request) if request is not None else None
    if community is not None and str(community.pk) == str(community_id):
        return community
    return None


def remember_hall_page(request, page) -> None:
    """The hall page this HTTP request is serving (a draft, in a preview)."""
    _hall_cache(request)[page.community_id] = page


def _cached_hall_page(request, community_id, community):
    cache = _hall_cache(request)
    if community_id not in cache:
        cache[community_id] = HallPage.objects.child_of(community()).first()
    return cache[community_id]


def hall_page_for(community, *, request=None) -> HallPage | None:
    """The community's hall page (live or not: an unpublished hall answers 404 by itself)."""
    return _cached_hall_page(request, community.pk, lambda: community)


def _hall_route(page, name, args, request) -> str:
    return (page.get_url(request) or "") + page.reverse_subpage(name, args=[str(a) for a in args])


def hall_url(community, name: str = "hall", *args, request=None) -> str:
    """The URL of the hall route ``name`` ("hall", "request_new", "request_record", ...)."""
    page = hall_page_for(community, request=request)
    if page is None:  # an editor deleted the page: the old URL, which answers 404
        return reverse(name, args=[community.pk, *args] if name in COMMUNITY_ROUTES else args)
    return _hall_route(page, name, args, request)


def request_url(obj: Request, name: str = "request_detail", *args, request=None) -> str:
    """A request's page, or one of its actions: ``request_url(r, "request_action", "accept")``."""
    ref = obj.tracking_number or obj.pk
    page = _cached_hall_page(
        request, obj.community_id, lambda: remembered_community(request, obj.community_id) or obj.community
    )
    if page is None:
        return reverse(name, args=[ref, *args])
    return _hall_route(page, name, [ref, *args], request)


# --- Whether each notice reached its person (the outbox seen from the pages) -------------------


@dataclass
class NoticeState:
    """One notice to one person and how it went: a delivery per channel (e-mail before SMS), or
    none when the person has no channel (the inbox only)."""

    label: str
    at: datetime | None
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def inbox_only(self) -> bool:
        return not self.deliveries


CHANNEL_ORDER = {Delivery.Channel.EMAIL: 0, Delivery.Channel.SMS: 1}


def sort_deliveries(deliveries: list[Delivery]) -> list[Delivery]:
    return sorted(deliveries, key=lambda d: CHANNEL_ORDER.get(d.channel, 9))


def request_notice_key(request: Request, event: RequestEvent) -> str:
    """The key of the notice of one step: the request page finds each step's notices by it."""
    return f"request:{request.pk}:event:{event.pk}"


#: What the request page shows of a delivery (read in the same query as the notice).
_DELIVERY_FIELDS = (
    "pk", "channel", "status", "attempts", "last_error", "sent_at", "next_attempt_at", "not_before", "community_id",
)  # fmt: skip


def request_notices(*, request: Request, events) -> dict[int, NoticeState]:
    """What the requester was told at each step of the timeline, by event id: one query (the
    inbox notices of the steps, joined to their deliveries). Steps that told the requester
    nothing are absent; an offline requester (no account) is told nothing."""
    if not request.requester_id:
        return {}
    keys = {request_notice_key(request, event): event.pk for event in events}
    rows = (
        Notification.objects.filter(user_id=request.requester_id, key__in=keys)
        .values("key", "subject", "created_at", *(f"deliveries__{name}" for name in _DELIVERY_FIELDS))
        .order_by("pk")
    )
    notices: dict[int, NoticeState] = {}
    for row in rows:
        notice = notices.setdefault(keys[row["key"]], NoticeState(label=row["subject"], at=row["created_at"]))
        if row["deliveries__pk"] is not None:
            notice.deliveries.append(
                Delivery(**{name: row[f"deliveries__{name}"] for name in _DELIVERY_FIELDS})
            )
    for notice in notices.values():
        notice.deliveries = sort_deliveries(notice.deliveries)
    return notices


def outbox(*, community):
    """The community's notices that did not arrive (failed and retrying, or given up), the most
    recent failure first; paginate it."""
    return (
        Delivery.objects.filter(community=community)
        .unsuccessful()
        .defer("payload")
        .order_by("-updated_at", "-id")
    )


def outbox_counts(*, user) -> list[dict]:
    """For the work queue: each community ``user`` works for and its undelivered notices (two
    queries, whatever the number of communities)."""
    communities = list(
        CommunityPage.objects.filter(
            pk__in=Membership.objects.approved().filter(user=user, role=Role.WORKER).values("community")
        ).order_by("title")
    )
    if not communities:
        return []
    counts = dict(
        Delivery.objects.filter(community__in=communities)
        .unsuccessful()
        .order_by()
        .values_list("community")
        .annotate(n=Count("pk"))
        .values_list("community", "n")
    )
    return [{"community": c, "failed": counts.get(c.pk, 0)} for c in communities]


# --- Finding one's way: the header's links and where a login lands ----------------------------


@dataclass(frozen=True)
class NavLink:
    """One link of the header: its words, its address, and how many things wait there (0: none)."""

    key: str
    label: str | Promise
    url: str
    count: int = 0
    #: What the count counts, for screen readers and the title ("3 to accept, 1 overdue").
    count_label: str | Promise = ""


def unread_request_updates(user):
    """Unread inbox notices about one request of ``user``'s: ``request_notice_key`` starts with
    ``request:<pk>:``. A subquery for ``Exists``."""
    prefix = Concat(
        Value("request:"), Cast(OuterRef("pk"), CharField()), Value(":"), output_field=CharField()
    )
    return Notification.objects.filter(user=user, read_at__isnull=True, key__startswith=prefix)


def own_requests(*, user):
    """The requests ``user`` submitted (or that were recorded for them), newest first, each with
    ``has_update``: an inbox notice about it not read yet."""
    return (
        Request.objects.for_list()
        .filter(requester=user)
        .annotate(has_update=Exists(unread_request_updates(user)))
        .order_by("-created_at", "-id")
    )


#: What the header and the permission predicates read of each of a person's communities (the
#: title, whether it is live, its company, its place in the page tree); the rest of the page's
#: forty columns stays in the database.
NAV_COMMUNITY_FIELDS = ("title", "slug", "live", "path", "depth", "url_path", "property_company_id")


def _member_communities(user) -> list:
    """The communities ``user`` is a verified member of, by title, in one query that also
    remembers their role in each (``remembered_membership_role``); remembered for the rest of the
    HTTP request too."""
    remembered = remembered_on_user(user, "_member_communities")
    if "communities" not in remembered:
        remembered["communities"] = _read_member_communities(user)
    return remembered["communities"]


def _read_member_communities(user) -> list:
    memberships = (
        Membership.objects.approved()
        .filter(user=user)
        .select_related("community")
        .only("role", "community_id", *(f"community__{name}" for name in NAV_COMMUNITY_FIELDS))
        .order_by("community__title", "community_id")
    )
    roles = _remembered_roles(user)
    communities = {}
    for membership in memberships:
        roles.setdefault(membership.community_id, membership.role)
        communities.setdefault(membership.community_id, membership.community)
    return list(communities.values())


def _titled(label, community, many: bool) -> str:
    return f"{label} · {community.title}" if many else label


class Counted(Subquery):
    """How many rows ``queryset`` has, as a scalar subquery: several counts of different tables
    are asked in one ``SELECT`` (``header_counts``)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()

    def __init__(self, queryset, **extra):
        super().__init__(queryset.order_by().values("pk"), **extra)


def header_counts(user, wanted: dict) -> dict[str, int]:
    """The counts of ``wanted`` (a name → queryset) in one query, one row: what the header shows
    costs one round trip whatever it counts."""
    if not wanted:
        return {}
    row = User.objects.filter(pk=user.pk).values(**{name: Counted(qs) for name, qs in wanted.items()})
    return row.first() or dict.fromkeys(wanted, 0)


@dataclass(frozen=True)
class Header:
    """What the header shows a signed-in person: their links (``NavLink``) and their unread inbox
    notices."""

    links: list[NavLink]
    unread: int = 0


def nav_links_for(user, *, counts: bool = True) -> list[NavLink]:
    """The one answer to "which of their pages does the header show this person" (``header_for``)."""
    return header_for(user, counts=counts).links


def header_for(user, *, counts: bool = True) -> Header:
    """The header of ``user``: each link is there because a permission rule holds
    (``deliberation/rules.py``), never because of a role's name. The first link is where their
    work is (``landing_url_for``). Two queries whatever the person and the number of requests:
    their communities (with their roles, which the rules read), then every count the links show
    and their unread notices in one (``header_counts``); ``counts=False`` asks only whether they
    have submitted a request.
    """
    if not user.is_authenticated:
        return Header(links=[])
    communities = _member_communities(user)
    triage = [c for c in communities if rules.has_perm("deliberation.triage_request", user, c)]
    follow = [c for c in communities if rules.has_perm("deliberation.follow_own_requests", user, c)]
    deciders = [c for c in communities if rules.has_perm("deliberation.decide_membership", user, c)]
    members = [c for c in communities if rules.has_perm("deliberation.view_members", user, c)]
    rosters = [c for c in communities if rules.has_perm("deliberation.import_roster", user, c)]
    company = rules.has_perm("deliberation.view_company_queue", user)
    street = rules.has_perm("deliberation.oversee_street", user)

    own = Request.objects.filter(requester=user)
    wanted = {}
    if counts or not follow:  # staff see "My requests" only once they have submitted one
        wanted["own_total"] = own
    if counts:
        wanted["unread"] = Notification.objects.filter(user=user, read_at__isnull=True)
        wanted["own_updated"] = own.filter(Exists(unread_request_updates(user)))
        if triage:
            in_triage = Request.objects.filter(community__in=[c.pk for c in triage])
            wanted["to_accept"] = in_triage.filter(status=Request.Status.SUBMITTED)
            wanted["overdue"] = in_triage.overdue()
        if company:
            wanted["company"] = (
                Request.objects.filter(assigned_company_id=user.property_company_id)
                .filter(responsible_party=ResponsibleParty.PROPERTY)
                .open()
            )
        if street:
            wanted["escalations"] = (
                Request.objects.filter(community__in=user.street_office.communities().values("pk"))
                .escalated()
                .open()
            )
        for community in deciders:
            wanted[f"pending_{community.pk}"] = Membership.objects.pending().filter(community=community)
    n = defaultdict(int, header_counts(user, wanted))

    links: list[NavLink] = []
    work_url = reverse("work_queue")
    if triage:
        label = ""
        if counts:
            label = _("%(accept)d to accept, %(overdue)d overdue") % {
                "accept": n["to_accept"],
                "overdue": n["overdue"],
            }
        links.append(NavLink("work", _("Work queue"), work_url, n["to_accept"] + n["overdue"], label))
    if company:
        links.append(
            NavLink(
                "company",
                _("Assigned requests"),
                f"{work_url}#company",
                n["company"],
                _("%(n)d open") % {"n": n["company"]},
            )
        )
    if street:
        links.append(
            NavLink(
                "escalations",
                _("Escalations"),
                f"{work_url}#street",
                n["escalations"],
                _("%(n)d open") % {"n": n["escalations"]},
            )
        )
        links.append(
            NavLink(
                "street_statistics",
                _("Street statistics"),
                reverse("street_statistics", kwargs={"street_id": user.street_office_id}),
            )
        )
    # "My requests" shows for whoever follows requests, and for staff who submitted one.
    if follow or n["own_total"]:
        label = _("%(n)d with news") % {"n": n["own_updated"]}
        mine = NavLink("mine", _("My requests"), reverse("my_requests"), n["own_updated"], label)
        # A resident's work is their requests: first. Staff who also submitted one: after their work.
        links.append(mine)
    for community in members:
        pending = n[f"pending_{community.pk}"]
        links.append(
            NavLink(
                f"members-{community.pk}",
                _titled(_("Members"), community, len(members) > 1),
                reverse("members", kwargs={"community_id": community.pk}),
                pending,
                _("%(n)d waiting for verification") % {"n": pending},
            )
        )
    for community in rosters:
        links.append(
            NavLink(
                f"roster-{community.pk}",
                _titled(_("Roster"), community, len(rosters) > 1),
                reverse("roster", kwargs={"community_id": community.pk}),
            )
        )
    return Header(links=links, unread=n["unread"])


def landing_url_for(user) -> str:
    """Where a login without a ``next`` lands: the first page of ``nav_links_for`` (where the
    person's work is), or their account page when they have none yet (e.g. not verified)."""
    links = nav_links_for(user, counts=False)
    return links[0].url if links else reverse("profile")


# --- The roster's households, searched (approving a member) -------------------------------------

#: A search of the roster shows at most this many households.
HOUSEHOLD_SEARCH_LIMIT = 20
#: Dashes people type between building, unit and room (full-width ones from Chinese keyboards).
HOUSEHOLD_SEPARATORS = str.maketrans({"－": "-", "—": "-", "–": "-", "/": "-", "　": " "})


def household_label_expression():
    return Concat("building__name", Value("-"), "unit", Value("-"), "room", output_field=CharField())


def normalize_household_text(text: str) -> str:
    """``3号楼 - 1 - 101`` → ``3号楼-1-101``: the words of ``Household.__str__``."""
    text = (text or "").translate(HOUSEHOLD_SEPARATORS)
    return "-".join(part.strip() for part in text.split("-") if part.strip())


def household_search(*, community, q: str):
    """The community's households whose "building-unit-room" contains every word of ``q`` (words
    split by spaces or dashes; three words are the building, the unit and the room), in roster
    order, at most ``HOUSEHOLD_SEARCH_LIMIT``."""
    words = normalize_household_text(q).replace("-", " ").split()
    qs = (
        Household.objects.for_community(community)
        .select_related("building")
        .annotate(label=household_label_expression())
    )
    if len(words) == 3:  # building, unit, room: each in its place ("3号楼 1 101" is not 3号楼-2-101)
        building, unit, room = words
        qs = qs.filter(building__name__icontains=building, unit__icontains=unit, room__icontains=room)
    else:
        for word in words:
            qs = qs.filter(label__icontains=word)
    return qs[:HOUSEHOLD_SEARCH_LIMIT]


def household_by_label(*, community, text: str):
    """The one household of ``community`` written as "building-unit-room", or ``None``."""
    label = normalize_household_text(text)
    if not label:
        return None
    matches = list(
        Household.objects.for_community(community)
        .select_related("building")
        .annotate(label=household_label_expression())
        .filter(label__iexact=label)[:2]
    )
    return matches[0] if len(matches) == 1 else None
