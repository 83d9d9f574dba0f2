"""Motions and ballots through the services: eligibility, changes, audit, proxies, art. 278."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from cms.services import ServiceError
from deliberation.models import Building
from meetings.models import Ballot, BallotChange, LiveEvent, MinuteEntry, Motion, Resolution
from meetings.services import motions as svc
from tests.factories import HouseholdFactory, OwnerFactory, UserFactory, add_participant, link_owner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Service messages are matched in English (the site's default language is zh-hans)."""
    with translation.override("en"):
        yield


def open_motion(meeting, people, **kwargs):
    kwargs.setdefault("agenda_item", None)
    event = svc.motion_open(meeting=meeting, by=people["chair"].user, text="更换小区门禁系统", **kwargs)
    return Motion.objects.get(pk=event.payload["id"])


def test_a_ballot_can_change_while_open_and_every_change_is_audited(meeting, people):
    motion = open_motion(meeting, people)
    voter = people["committee"].user
    ballot, changed = svc.ballot_cast(motion=motion, by=voter, choice="for")
    assert changed
    svc.ballot_cast(motion=motion, by=voter, choice="against")
    _same, changed = svc.ballot_cast(motion=motion, by=voter, choice="against")
    assert not changed
    assert Ballot.objects.filter(motion=motion).count() == 1
    assert list(BallotChange.objects.filter(motion=motion).values_list("old_choice", "new_choice")) == [
        ("", "for"),
        ("for", "against"),
    ]
    motion.refresh_from_db()
    assert motion.ballot_version == 2


def test_one_ballot_per_voter_is_a_database_constraint(meeting, people):
    motion = open_motion(meeting, people)
    Ballot.objects.create(motion=motion, participant=people["committee"], choice="for")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(motion=motion, participant=people["committee"], choice="against")


def test_a_retried_ballot_with_the_same_client_id_is_stored_once(meeting, people):
    motion = open_motion(meeting, people)
    voter = people["property"].user
    svc.ballot_cast(motion=motion, by=voter, choice="for", client_id="b-1")
    svc.ballot_cast(motion=motion, by=voter, choice="against", client_id="b-2")
    ballot, changed = svc.ballot_cast(motion=motion, by=voter, choice="for", client_id="b-1")
    assert not changed and ballot.choice == "against"
    assert BallotChange.objects.filter(motion=motion).count() == 2


def test_only_eligible_present_participants_vote(meeting, people):
    motion = open_motion(meeting, people)
    with pytest.raises(ServiceError):
        svc.ballot_cast(motion=motion, by=UserFactory(), choice="for")
    with pytest.raises(ServiceError):  # the secretary does not vote
        svc.ballot_cast(motion=motion, by=people["secretary"].user, choice="for")
    late = add_participant(meeting)  # invited after the motion opened: not eligible
    with pytest.raises(ServiceError):
        svc.ballot_cast(motion=motion, by=late.user, choice="for")
    absent_meeting_motion = open_motion(meeting, people)
    absent = add_participant(meeting, present=False)
    absent_meeting_motion.eligible.add(absent)
    with pytest.raises(ServiceError, match="Check in"):
        svc.ballot_cast(motion=absent_meeting_motion, by=absent.user, choice="for")
    with pytest.raises(ServiceError):
        svc.ballot_cast(motion=motion, by=people["committee"].user, choice="yes")


def test_closing_records_the_result_in_the_minutes_and_publishes_a_resolution(meeting, people):
    motion = open_motion(meeting, people, rule=Motion.Rule.FOUR_PARTY_CONSENSUS)
    for key in ("chair", "committee", "property", "residents"):
        svc.ballot_cast(motion=motion, by=people[key].user, choice="for")
    event = svc.motion_close(motion=motion, by=people["chair"].user)
    motion.refresh_from_db()
    assert motion.passed is True and motion.status == "closed"
    assert event.payload["resolution"]["url"].startswith("/resolutions/")
    resolution = Resolution.objects.get(motion=motion)
    assert resolution.notice_days == 3 and resolution.in_notice
    decision = MinuteEntry.objects.get(meeting=meeting, kind="decision")
    assert "更换小区门禁系统" in decision.text and "4" in decision.text
    with pytest.raises(ServiceError, match="closed"):
        svc.ballot_cast(motion=motion, by=people["committee"].user, choice="against")
    with pytest.raises(ServiceError):
        svc.motion_close(motion=motion, by=people["chair"].user)


def test_a_failed_motion_makes_no_resolution(meeting, people):
    motion = open_motion(meeting, people)
    svc.ballot_cast(motion=motion, by=people["committee"].user, choice="against")
    svc.motion_close(motion=motion, by=people["chair"].user)
    assert not Resolution.objects.exists()
    assert Motion.objects.get(pk=motion.pk).passed is False


def test_tally_is_published_once_per_change(meeting, people):
    motion = open_motion(meeting, people)
    svc.ballot_cast(motion=motion, by=people["committee"].user, choice="for", publish=False)
    svc.ballot_cast(motion=motion, by=people["property"].user, choice="for", publish=False)
    first = svc.motion_publish_tally(motion.pk)
    assert first.payload["result"]["figures"]["for"] == 2
    assert svc.motion_publish_tally(motion.pk) is None  # nothing changed since
    assert LiveEvent.objects.filter(meeting=meeting, kind="tally").count() == 1


@pytest.fixture
def roster(community):
    """Four households: one with three co-owners (90 m²), three single owners (90, 60, 60 m²)."""
    building, _ = Building.objects.get_or_create(community=community, name="2号楼")
    shared = HouseholdFactory(building=building, area=Decimal("90.00"))
    co_owners = [link_owner(OwnerFactory(household=shared)) for _ in range(3)]
    singles = [
        link_owner(OwnerFactory(household=HouseholdFactory(building=building, area=Decimal(area))))
        for area in ("90.00", "60.00", "60.00")
    ]
    return co_owners, singles


def test_owners_vote_by_area_and_heads_with_co_owners_sharing(meeting, people, roster):
    co_owners, singles = roster
    motion = open_motion(meeting, people, rule=Motion.Rule.CIVIL_CODE_278, matter=Motion.Matter.ORDINARY)
    for owner in co_owners:
        svc.ballot_cast(motion=motion, by=owner.user, choice="for")
    svc.ballot_cast(motion=motion, by=singles[0].user, choice="against")
    result = svc.motion_tally(motion)
    figures = result.figures
    # 390 m² in total: the co-owned 90 m² once, and the 90 m² of the convener's household, which has
    # no owner on the roster (its area counts, and as an unsold part it is one head). Heads: the
    # co-owned household is one, the three singles three, the unowned part one.
    assert figures["total_area"] == "390.00" and figures["total_heads"] == "5"
    assert figures["participating_area"] == "180.00" and figures["participating_heads"] == "2"
    assert figures["area"]["for"] == "90.00" and figures["heads"]["for"] == "1"
    # The three co-owners share one ballot: three casts, one row, three audit entries (one a change).
    shared = Ballot.objects.get(motion=motion, household=co_owners[0].household)
    assert shared.changes.count() == 1  # the 2nd and 3rd co-owner chose the same: nothing changed
    # 180/390 m² and 2/5 owners: turnout fails on both.
    assert result.reasons == ("turnout_area", "turnout_heads", "approval_area", "approval_heads")
    # Written proxies for the two other single owners lift turnout to 300 m² and 4 of 5 heads.
    ballot, _ = svc.ballot_record_proxy(
        motion=motion, by=people["secretary"].user, owner=singles[1], choice="for", proxy_holder="王大姐"
    )
    assert ballot.is_proxy and ballot.recorded_by == people["secretary"].user
    assert BallotChange.objects.filter(ballot=ballot, proxy_holder="王大姐").exists()
    svc.ballot_record_proxy(
        motion=motion, by=people["secretary"].user, owner=singles[2], choice="for", proxy_holder="李师傅"
    )
    result = svc.motion_tally(motion)
    assert result.figures["participating_area"] == "300.00"
    assert result.passed  # for 210 of 300 m² and 3 of 4 heads
    # A co-owner changing sides moves the household's whole area: the later cast replaces the earlier.
    svc.ballot_cast(motion=motion, by=co_owners[0].user, choice="against")
    figures = svc.motion_tally(motion).figures
    assert figures["area"]["against"] == "180.00" and figures["heads"]["against"] == "2"
    assert Ballot.objects.filter(motion=motion, household=co_owners[0].household).count() == 1
    assert list(shared.changes.values_list("old_choice", "new_choice", "by")) == [
        ("", "for", co_owners[0].user.pk),
        ("for", "against", co_owners[0].user.pk),
    ]


def test_one_owner_of_three_units_casts_once_for_all_three_and_counts_one_head(meeting, people, roster):
    _co, singles = roster
    building = singles[0].household.building
    buyer = UserFactory()
    units = [
        link_owner(
            OwnerFactory(household=HouseholdFactory(building=building, area=Decimal(a)), name="赵六"), buyer
        )
        for a in ("50.00", "70.00", "80.50")
    ]
    motion = open_motion(meeting, people, rule=Motion.Rule.CIVIL_CODE_278)
    before = svc.motion_tally(motion).figures["total_heads"]
    assert before == "6"  # 5 as above plus the buyer once
    svc.ballot_cast(motion=motion, by=buyer, choice="for")
    assert set(Ballot.objects.filter(motion=motion).values_list("household_id", "owner_id", "choice")) == {
        (o.household_id, o.pk, "for") for o in units
    }
    figures = svc.motion_tally(motion).figures
    assert figures["participating_heads"] == "1" and figures["area"]["for"] == "200.50"
    # One person, one choice: changing it changes all three parts.
    svc.ballot_cast(motion=motion, by=buyer, choice="against")
    assert set(Ballot.objects.filter(motion=motion).values_list("choice", flat=True)) == {"against"}
    assert svc.motion_tally(motion).figures["heads"] == {"for": "0", "against": "1", "abstain": "0"}


def test_the_same_name_and_phone_on_the_roster_is_the_same_buyer(meeting, people, roster):
    _co, singles = roster
    building = singles[0].household.building
    a = OwnerFactory(
        household=HouseholdFactory(building=building, area=Decimal("40")), name="钱七", phone="138 0000 1111"
    )
    b = OwnerFactory(
        household=HouseholdFactory(building=building, area=Decimal("60")), name="钱七", phone="13800001111"
    )
    namesake = OwnerFactory(household=HouseholdFactory(building=building, area=Decimal("60")), name="钱七")
    motion = open_motion(meeting, people, rule=Motion.Rule.CIVIL_CODE_278)
    assert svc.motion_tally(motion).figures["total_heads"] == "7"  # 5 + 钱七 once + the namesake
    svc.ballot_record_proxy(
        motion=motion, by=people["secretary"].user, owner=a, choice="for", proxy_holder="孙"
    )
    assert set(Ballot.objects.filter(motion=motion).values_list("household_id", flat=True)) == {
        a.household_id,
        b.household_id,
    }
    assert not Ballot.objects.filter(household=namesake.household).exists()
    assert svc.motion_tally(motion).figures["area"]["for"] == "100.00"


def test_an_owners_own_ballot_replaces_a_written_proxy_and_the_audit_keeps_both(meeting, people, roster):
    _co, singles = roster
    owner = singles[1]
    motion = open_motion(meeting, people, rule=Motion.Rule.CIVIL_CODE_278)
    secretary = people["secretary"].user
    svc.ballot_record_proxy(motion=motion, by=secretary, owner=owner, choice="against", proxy_holder="王大姐")
    ballot, changed = svc.ballot_cast(motion=motion, by=owner.user, choice="against")
    assert changed  # the same choice, but now the owner's own: the proxy no longer stands
    ballot.refresh_from_db()
    assert not ballot.is_proxy and ballot.recorded_by == owner.user
    assert list(ballot.changes.values_list("new_choice", "proxy_holder", "by")) == [
        ("against", "王大姐", secretary.pk),
        ("against", "", owner.user.pk),
    ]
    assert svc.motion_tally(motion).figures["cast"] == 1
    # A paper proxy arriving later never overwrites the owner's own ballot.
    with pytest.raises(ServiceError, match="own ballot"):
        svc.ballot_record_proxy(motion=motion, by=secretary, owner=owner, choice="for", proxy_holder="王大姐")
    ballot.refresh_from_db()
    assert (ballot.choice, ballot.proxy_holder) == ("against", "")
    assert ballot.changes.count() == 2


def test_an_unlinked_owner_cannot_cast_and_another_owners_row_is_refused(meeting, people, roster):
    _co, singles = roster
    motion = open_motion(meeting, people, rule=Motion.Rule.CIVIL_CODE_278)
    with pytest.raises(ServiceError, match="roster"):
        svc.ballot_cast(motion=motion, by=UserFactory(), choice="for")
    with pytest.raises(ServiceError, match="roster"):
        svc.ballot_cast(motion=motion, by=singles[0].user, choice="for", owner=singles[1])
    assert not Ballot.objects.filter(motion=motion).exists()


def test_proxy_needs_a_holder_and_an_owner_vote(meeting, people, roster):
    _co, singles = roster
    ordinary = open_motion(meeting, people)
    with pytest.raises(ServiceError):
        svc.ballot_record_proxy(
            motion=ordinary, by=people["secretary"].user, owner=singles[0], choice="for", proxy_holder="x"
        )
    owners_vote = open_motion(meeting, people, rule=Motion.Rule.CIVIL_CODE_278)
    with pytest.raises(ServiceError):
        svc.ballot_record_proxy(
            motion=owners_vote, by=people["secretary"].user, owner=singles[0], choice="for", proxy_holder=" "
        )


def test_non_owners_cannot_vote_on_owners_matters(meeting, people, roster):
    motion = open_motion(meeting, people, rule=Motion.Rule.CIVIL_CODE_278)
    with pytest.raises(ServiceError, match="owners"):
        svc.ballot_cast(motion=motion, by=people["property"].user, choice="for")


def test_actions_and_progress(meeting, people):
    motion = open_motion(meeting, people)
    svc.ballot_cast(motion=motion, by=people["committee"].user, choice="for")
    svc.motion_close(motion=motion, by=people["chair"].user)
    resolution = Resolution.objects.get()
    action = svc.action_add(
        resolution=resolution, by=people["secretary"].user, title="采购门禁", owner_party="property"
    )
    with pytest.raises(ServiceError):
        svc.action_add(resolution=resolution, by=people["secretary"].user, title="x", owner_party="street")
    svc.action_progress(action=action, by=people["secretary"].user, note="已询价三家", status="in_progress")
    action.refresh_from_db()
    assert action.status == "in_progress" and action.progress.count() == 1
    with pytest.raises(ServiceError):
        svc.action_progress(action=action, by=people["secretary"].user, note="", status="done")
