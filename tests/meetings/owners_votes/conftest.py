"""An owners' vote on a small roster: what the owners' vote tests start from."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from deliberation import sms
from deliberation.models import Building, Role, Tenure
from meetings.models import OwnersVote, VoteQuestion
from meetings.services import owners_votes as services
from tests.deliberation.hall.images import upload
from tests.factories import HouseholdFactory, OwnerFactory, link_owner, make_member
from tests.rows import KEPT

ALL_CHANNELS = list(OwnersVote.Channel.values)


def photo(name="ballot.jpg"):
    return upload(name=name, gps=False)


@pytest.fixture
def roster(community):
    """Six households of 100 m²: four with one owner each (the first linked to an account, the
    second reachable by SMS only), one co-owned by two people, and one without an owner on the
    roster (the developer's unsold part)."""

    def build():
        building = Building.objects.create(community=community, name="5号楼")
        households = [
            HouseholdFactory(building=building, room=f"{101 + i}", area=Decimal("100.00")) for i in range(6)
        ]
        owners = [OwnerFactory(household=households[i], name=f"业主{i}") for i in range(4)]
        owners[1].phone = "+8613900000001"
        owners[1].save(update_fields=["phone"])
        co_owners = [OwnerFactory(household=households[4], name=n) for n in ("甲", "乙")]
        # The worker lives as a tenant in the unowned household, so the roster's area stays 600 m².
        worker = make_member(community, role=Role.WORKER, household=households[5], tenure=Tenure.TENANT)
        linked = link_owner(owners[0], by=worker)
        return {
            "households": households,
            "owners": owners,
            "co_owners": co_owners,
            "linked": linked,
            "worker": worker,
        }

    return KEPT.build("roster", build)


@pytest.fixture
def organiser(roster):
    return roster["worker"]


@pytest.fixture
def collector(community, roster):
    return make_member(
        community, role=Role.REPRESENTATIVE, household=roster["households"][5], tenure=Tenure.TENANT
    )


@pytest.fixture
def draft(community, organiser):
    now = timezone.now()
    return services.owners_vote_create(
        community=community,
        by=organiser,
        title="使用维修资金更换电梯",
        questions=[
            ("同意使用维修资金更换5号楼电梯", VoteQuestion.Matter.MAJOR),
            ("同意选聘施工单位", "ordinary"),
        ],
        opens_at=now + timedelta(days=16),
        closes_at=now + timedelta(days=30),
        channels=ALL_CHANNELS,
    )


@pytest.fixture
def open_vote(draft, organiser, roster, django_capture_on_commit_callbacks):
    """Announced 16 days ahead; the tests run at ``opens_at`` + 1 h (``at``)."""
    with django_capture_on_commit_callbacks(execute=True):
        services.owners_vote_announce(vote=draft, by=organiser)
    draft.refresh_from_db()
    return draft


def at(vote, hours=1):
    return vote.opens_at + timedelta(hours=hours)


def choices(vote, *picks):
    return {str(q.pk): pick for q, pick in zip(vote.questions.all(), picks, strict=True)}


@pytest.fixture(autouse=True)
def _english():
    """The services' refusals are read in English here (the site's default is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()
