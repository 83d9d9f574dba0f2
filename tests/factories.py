"""The tests' one factory module (factory_boy), for both apps.

Pages are created under the real page tree through ``add_child``. Tests build only states the
product can reach: an owner is linked to an account by ``link_owner`` (the link service, as a
community worker does it), never by passing ``user`` to ``OwnerFactory``. Meetings for the live
tests are built directly (``MeetingFactory``, ``make_meeting``, ``four_parties``); the convening
tests build them through the convening services (``add_four_parties``).
"""

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.sessions.backends.db import SessionStore
from django.db.models.signals import post_save
from django.utils import timezone
from factory.django import DjangoModelFactory
from modelsearch import index
from modelsearch import signal_handlers as search_signal_handlers
from wagtail.models import Page
from wagtail.signal_handlers import disable_reference_index_auto_update

from cms.models import CommunityPage, HomePage, StreetOfficePage
from deliberation.models import Building, Household, Membership, Owner, PropertyCompany, Role, Tenure, User
from deliberation.services.owners import owner_link
from deliberation.services.pages import hall_page_ensure
from meetings.models import AgendaItem, Attendance, Meeting, Participant, ParticipantRole, Party
from meetings.services import convening
from meetings.services.pages import meeting_index_ensure


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    display_name = factory.Sequence(lambda n: f"居民{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PropertyCompanyFactory(DjangoModelFactory):
    class Meta:
        model = PropertyCompany
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"物业公司{n}")


def home_page() -> HomePage:
    return HomePage.objects.get(depth=2)


@contextmanager
def pages_unindexed():
    """Pages made for a test skip Wagtail's reference index and the search index of pages (a third
    of the cost of a community, hundreds of times a run); nothing tested reads either for them.
    Requests, which the hall searches, are indexed as always."""
    page_models = [model for model in index.get_indexed_models() if issubclass(model, Page)]
    for model in page_models:
        post_save.disconnect(search_signal_handlers.post_save_signal_handler, sender=model)
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        for model in page_models:
            post_save.connect(search_signal_handlers.post_save_signal_handler, sender=model)


def make_street(title="大学西路街道", slug=None) -> StreetOfficePage:
    street = StreetOfficePage(title=title, slug=slug or f"street-{StreetOfficePage.objects.count() + 1}")
    with pages_unindexed():
        home_page().add_child(instance=street)
    return street


def make_community(street=None, title="幸福社区", company=None, threshold=3, slug=None) -> CommunityPage:
    street = street or make_street()
    community = CommunityPage(
        title=title,
        slug=slug or f"community-{CommunityPage.objects.count() + 1}",
        area="赛罕区",
        property_company=company,
        support_threshold=threshold,
    )
    with pages_unindexed():
        street.add_child(instance=community)
        hall_page_ensure(community)  # as the admin's after_create_page hooks do
        meeting_index_ensure(community)
    return community


class BuildingFactory(DjangoModelFactory):
    class Meta:
        model = Building
        django_get_or_create = ("community", "name")

    name = "1号楼"


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    building = factory.SubFactory(BuildingFactory)
    unit = "1单元"
    room = factory.Sequence(lambda n: f"{101 + n}")
    area = Decimal("90.00")


class OwnerFactory(DjangoModelFactory):
    """A roster owner, not linked to any account (``link_owner`` links one)."""

    class Meta:
        model = Owner

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"业主{n}")

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if kwargs.get("user") is not None:
            raise TypeError("An owner is linked to an account by link_owner(), as the product does it.")
        return kwargs


def make_member(community, role=Role.RESIDENT, user=None, household=None, tenure=Tenure.OWNER, **user_kwargs):
    """A verified member of ``community`` with a household on its roster."""
    user = user or UserFactory(**user_kwargs)
    if household is None:
        building, _ = Building.objects.get_or_create(community=community, name="综合楼")
        household = HouseholdFactory(building=building)
    Membership.objects.create(
        user=user,
        community=community,
        role=role,
        status=Membership.Status.APPROVED,
        household=household,
        claimed_building=household.building.name,
        claimed_unit=household.unit,
        claimed_room=household.room,
        tenure=tenure,
    )
    return user


def community_worker(community) -> User:
    """A worker of ``community`` (the first verified one, else a new one)."""
    membership = (
        Membership.objects.approved().filter(community=community, role=Role.WORKER).order_by("pk").first()
    )
    return membership.user if membership else make_member(community, role=Role.WORKER)


def link_owner(owner: Owner, user: User | None = None, *, by: User | None = None) -> Owner:
    """Link the roster ``owner`` to ``user`` the way the product does: ``user`` is (made, if not
    yet) a verified member of the owner's household, then a worker of the community (``by``)
    confirms the link through ``owner_link``."""
    community = owner.household.building.community
    user = user or UserFactory()
    if not Membership.objects.approved().filter(user=user, community=community).exists():
        make_member(community, user=user, household=owner.household)
    owner_link(owner=owner, user=user, by=by or community_worker(community))
    owner.refresh_from_db()
    return owner


# --- Meetings --------------------------------------------------------------------------------


class MeetingFactory(DjangoModelFactory):
    """A meeting of ``community`` (required), in progress and public, with ``items`` agenda items
    (two unless given) and a new community worker as convener unless one is given."""

    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"四方会议 {n + 1}")
    starts_at = factory.LazyFunction(timezone.now)
    status = Meeting.Status.IN_PROGRESS
    visibility = Meeting.Visibility.PUBLIC
    convener = factory.LazyAttribute(lambda meeting: make_member(meeting.community, role=Role.WORKER))

    @factory.post_generation
    def items(meeting, create, extracted, **kwargs):
        for position in range(2 if extracted is None else extracted):
            AgendaItemFactory(meeting=meeting, position=position, title=f"议题 {position + 1}")


class AgendaItemFactory(DjangoModelFactory):
    class Meta:
        model = AgendaItem

    position = factory.Sequence(lambda n: n)
    title = factory.LazyAttribute(lambda item: f"议题 {item.position + 1}")


class ParticipantFactory(DjangoModelFactory):
    """A voting member of the residents' party with an account of their own."""

    class Meta:
        model = Participant

    user = factory.SubFactory(UserFactory)
    name = factory.LazyAttribute(lambda participant: str(participant.user))
    email = factory.LazyAttribute(lambda participant: participant.user.email)
    party = Party.RESIDENTS
    role = ParticipantRole.MEMBER
    votes = True


def make_meeting(
    community,
    *,
    convener=None,
    status=Meeting.Status.IN_PROGRESS,
    visibility=Meeting.Visibility.PUBLIC,
    items=2,
):
    extra = {"convener": convener} if convener is not None else {}
    return MeetingFactory(community=community, status=status, visibility=visibility, items=items, **extra)


def add_participant(
    meeting, *, party=Party.RESIDENTS, role=ParticipantRole.MEMBER, user=None, votes=True, present=False
):
    participant = ParticipantFactory(
        meeting=meeting, party=party, role=role, votes=votes, **({"user": user} if user else {})
    )
    if present:
        Attendance.objects.create(meeting=meeting, participant=participant)
    return participant


def four_parties(meeting, *, present=True):
    """A chair (community), a secretary (community), and one voting member of every party."""
    people = {
        "chair": add_participant(meeting, party=Party.COMMUNITY, role=ParticipantRole.CHAIR, present=present),
        "secretary": add_participant(
            meeting, party=Party.COMMUNITY, role=ParticipantRole.SECRETARY, votes=False, present=present
        ),
    }
    for party in (Party.COMMITTEE, Party.PROPERTY, Party.RESIDENTS):
        people[party] = add_participant(meeting, party=party, present=present)
    return people


# --- Convening (through the services) ------------------------------------------------------


def soon(days=7, hour=14):
    """A two-hour slot ``days`` ahead at ``hour`` o'clock (local time)."""
    start = (timezone.localtime() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return start, start + timedelta(hours=2)


def add_four_parties(meeting, community, convener, *, email_only_language="zh-hans"):
    """One participant per party; the property company's manager has no account."""
    committee = make_member(community, role=Role.COMMITTEE, display_name="张建国")
    rep = make_member(community, role=Role.REPRESENTATIVE, display_name="李秀英", language="en")
    people = [
        convening.participant_add(meeting=meeting, by=convener, user=committee, party=Party.COMMITTEE),
        convening.participant_add(
            meeting=meeting,
            by=convener,
            name="刘经理",
            email="manager@wuye.example",
            party=Party.PROPERTY,
            language=email_only_language,
        ),
        convening.participant_add(meeting=meeting, by=convener, user=rep, party=Party.RESIDENTS),
        convening.participant_add(
            meeting=meeting, by=convener, user=convener, party=Party.COMMUNITY, role=ParticipantRole.CHAIR
        ),
    ]
    return people


def meeting_to_invite(community, convener, *, size: int, title: str = "四方会议：电梯更新", days: int = 3):
    """A draft meeting with a time, a place and ``size`` participants (the four parties, then
    residents known only by an e-mail address), ready for "send invitations"."""
    starts, ends = soon(days=days)
    meeting = convening.meeting_create(
        community=community, by=convener, title=title, place="社区会议室", starts_at=starts, ends_at=ends
    )
    add_four_parties(meeting, community, convener)
    for n in range(size - 4):
        convening.participant_add(
            meeting=meeting,
            by=convener,
            name=f"居民{n}",
            email=f"resident{n}-{meeting.pk}@example.org",
            party=Party.RESIDENTS,
        )
    return meeting


# --- Clients and sessions ------------------------------------------------------------------


def in_english(client):
    """Pages follow the language cookie; English makes assertions on labels independent of .po files."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def session_cookie(user) -> str:
    """A real database session for ``user`` (what AuthMiddlewareStack reads from the cookie)."""
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return session.session_key
