"""Issue 13, must-show 2: art. 278's thresholds at their boundaries, through the service that
closes a vote — 2/3 turnout of area and of heads; more than 1/2 (ordinary) and at least 3/4 (major)
of the participating area and heads — with a co-owned household (one head, one ballot) and an
owner of several units (one head carrying the area of all of them)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deliberation.models import Building, Role, Tenure
from meetings.models import OwnersVote
from meetings.services import owners_votes as services
from tests.factories import HouseholdFactory, OwnerFactory, make_member

pytestmark = pytest.mark.django_db


def build(community, rooms):
    """``rooms``: ``(area, [(owner name, phone), ...])`` each; the same name and phone on two rooms
    is one buyer of both (art. 9). The worker who runs the vote is a tenant of the first room."""
    building = Building.objects.create(community=community, name="9号楼")
    households = []
    for i, (area, owners) in enumerate(rooms):
        household = HouseholdFactory(building=building, room=f"{201 + i}", area=Decimal(area))
        for name, phone in owners:
            OwnerFactory(household=household, name=name, phone=phone)
        households.append(household)
    worker = make_member(community, role=Role.WORKER, household=households[0], tenure=Tenure.TENANT)
    return households, worker


def run(community, rooms, ballots, *, matter):
    """Open a one-question vote, enter ``ballots`` (``{room index: choice}``), close it."""
    households, worker = build(community, rooms)
    now = timezone.now()
    vote = services.owners_vote_create(
        community=community,
        by=worker,
        title="表决",
        questions=[("事项", matter)],
        opens_at=now + timedelta(days=15, minutes=1),
        closes_at=now + timedelta(days=20),
        channels=["onsite"],
    )
    services.owners_vote_announce(vote=vote, by=worker, now=now)
    question = str(vote.questions.get().pk)
    for index, choice in ballots.items():
        household = households[index]
        services.owners_ballot_cast(
            vote=vote,
            household=household,
            choices={question: choice},
            channel=OwnersVote.Channel.ONSITE,
            by=worker,
            owner=household.owners.first(),
            now=vote.opens_at + timedelta(minutes=index),
        )
    closed = services.owners_vote_close(vote=vote, now=vote.closes_at)
    return closed.result[question]


def one(name, n):
    return [(f"{name}{n}", f"+86139000000{n:02d}")]


# Six single-owner rooms of 100 m²: 6 heads, 600 m².
SIX = [("100", one("业主", n)) for n in range(6)]


def test_turnout_of_exactly_two_thirds_is_enough_and_one_less_is_not(community):
    result = run(community, SIX, {0: "for", 1: "for", 2: "for", 3: "against"}, matter="ordinary")
    assert result["figures"]["turnout_ok"] and result["passed"]
    assert result["figures"]["turnout_area_pct"] == "66.7" and result["figures"]["participating_heads"] == "4"


def test_one_head_short_of_two_thirds_fails_the_turnout(other_community):
    result = run(other_community, SIX, {0: "for", 1: "for", 2: "for"}, matter="ordinary")
    assert not result["passed"] and set(result["reasons"]) == {"turnout_area", "turnout_heads"}


def test_two_thirds_of_the_area_without_two_thirds_of_the_heads_fails(community):
    # A big flat (400 m²) and five small ones (40 m²): 6 heads, 600 m². The big flat and one small
    # vote: 440 m² (73%) but 2 of 6 heads.
    rooms = [("400", one("大户", 0))] + [("40", one("小户", n)) for n in range(1, 6)]
    result = run(community, rooms, {0: "for", 1: "for"}, matter="ordinary")
    assert result["reasons"] == ["turnout_heads"]


def test_ordinary_needs_more_than_half_exactly_half_fails(community):
    result = run(community, SIX, {0: "for", 1: "for", 2: "against", 3: "against"}, matter="ordinary")
    assert not result["passed"] and set(result["reasons"]) == {"approval_area", "approval_heads"}


def test_major_passes_at_exactly_three_quarters_of_both(community):
    # Eight rooms of 100 m²: 8 heads, 800 m².
    rooms = [("100", one("业主", n)) for n in range(8)]
    result = run(
        community, rooms, {i: "for" for i in range(6)} | {6: "against", 7: "abstain"}, matter="major"
    )
    # 8 of 8 take part; 6 of 8 (= 3/4 exactly) are for, by heads and by area.
    assert (
        result["passed"]
        and result["figures"]["for_heads_pct"] == "75.0"
        and result["figures"]["for_area_pct"] == "75.0"
    )


def test_major_just_under_three_quarters_of_the_area_fails(community):
    rooms = [("100", one("业主", n)) for n in range(7)] + [("101", one("业主", 7))]
    result = run(
        community, rooms, {i: "for" for i in range(6)} | {6: "against", 7: "against"}, matter="major"
    )
    # Heads: 6 of 8 = 3/4 (enough); area: 600 of 801 m² < 3/4.
    assert result["reasons"] == ["approval_area"]


def test_a_co_owned_household_is_one_head_with_one_ballot(community):
    rooms = [("100", [("甲", "+8613900000101"), ("乙", "+8613900000102")])] + [
        ("100", one("业主", n)) for n in range(1, 3)
    ]
    result = run(community, rooms, {0: "for", 1: "for"}, matter="ordinary")
    assert result["figures"]["total_heads"] == "3" and result["figures"]["participating_heads"] == "2"


def test_an_owner_of_several_units_is_one_head_carrying_all_their_area(community):
    # 张三 bought rooms 0 and 1 (same name and phone): one head of 200 m². Heads: 张三, 2, 3 = 3.
    zhang = [("张三", "+8613800000001")]
    rooms = [("100", zhang), ("100", zhang), ("100", one("业主", 2)), ("100", one("业主", 3))]
    result = run(community, rooms, {0: "for", 2: "for"}, matter="ordinary")  # 张三 votes on one room only
    figures = result["figures"]
    assert figures["total_heads"] == "3" and figures["participating_heads"] == "2"
    assert figures["participating_area"] == "300.00" and figures["area"]["for"] == "300.00"
    assert figures["turnout_ok"]  # 2 of 3 heads, 300 of 400 m²


def test_the_latest_ballot_of_a_several_unit_owner_is_their_one_choice(community):
    zhang = [("张三", "+8613800000001")]
    rooms = [("100", zhang), ("100", zhang), ("100", one("业主", 2))]
    result = run(community, rooms, {0: "for", 1: "against", 2: "for"}, matter="ordinary")
    figures = result["figures"]
    assert figures["participating_heads"] == "2" and figures["heads"] == {
        "for": "1",
        "against": "1",
        "abstain": "0",
    }
    assert figures["area"]["against"] == "200.00" and not result["passed"]
