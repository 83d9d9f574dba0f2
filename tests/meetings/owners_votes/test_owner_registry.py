"""The roster as art. 278 counts it (``owner_registry``), read as plain values: the same heads,
parts and area as reading every household and owner as model instances, whatever the rows hold."""

from decimal import Decimal

import pytest
from django.db.models import CharField
from django.db.models.functions import Cast

from deliberation.models import Building, Household, Owner
from meetings import voting
from meetings.services.motions import owner_registry
from tests.factories import HouseholdFactory, OwnerFactory, link_owner

pytestmark = pytest.mark.django_db


def registry_from_instances(community) -> voting.OwnerRegistry:
    """Every household and owner as a model instance, the phone parsed (the reading before)."""
    households = Household.objects.for_community(community).prefetch_related("owners")
    return voting.owner_weights(
        (
            h.pk,
            h.area,
            [
                voting.owner_identity(owner_id=o.pk, user_id=o.user_id, name=o.name, phone=o.phone)
                for o in h.owners.all()
            ],
        )
        for h in households
    )


def test_the_registry_read_as_values_is_the_one_read_as_instances(community, other_community):
    east = Building.objects.create(community=community, name="1号楼")
    west = Building.objects.create(community=community, name="2号楼")
    rooms = [
        HouseholdFactory(building=east if i % 2 else west, area=Decimal(f"{60 + i}.25")) for i in range(16)
    ]
    # The same person by name and phone, written three ways, on three rooms (one head).
    for household, phone in zip(
        rooms[:3], ["13800000001", "+86 138 0000 0001", "+8613800000001"], strict=True
    ):
        OwnerFactory(household=household, name="张 伟", phone=phone)
    OwnerFactory(household=rooms[3], name=" 张  伟", phone="13800000001")  # spaces as typed: the same
    OwnerFactory(household=rooms[4], name="张伟", phone="13800000001")  # another name: another head
    # Co-owners: the second one also owns another room, which joins both rooms into one head.
    OwnerFactory(household=rooms[5], name="李娜", phone="13900000002")
    OwnerFactory(household=rooms[5], name="王强", phone="13700000003")
    OwnerFactory(household=rooms[6], name="王强", phone="+86 137-0000-0003")
    # Linked to one account on two rooms (one head), and a linked owner with no phone.
    linked = link_owner(OwnerFactory(household=rooms[7], name="赵敏"))
    link_owner(OwnerFactory(household=rooms[8], name="赵敏 "), user=linked.user)
    link_owner(OwnerFactory(household=rooms[9], name="孙丽"))
    # Numbers from abroad, and text that is no number at all, stored as given.
    OwnerFactory(household=rooms[10], name="Smith", phone="+1 415-555-2671")
    OwnerFactory(household=rooms[11], name="Smith", phone="+14155552671")
    OwnerFactory(household=rooms[12], name="周杰", phone="12345")
    OwnerFactory(household=rooms[13], name="周杰", phone="12345")
    # rooms[14] and rooms[15]: unsold, no owner (the developer's one head).
    # Another community's roster shares a person: it never joins this one's heads.
    OwnerFactory(
        household=HouseholdFactory(building=Building.objects.create(community=other_community, name="9号楼")),
        name="张 伟",
        phone="13800000001",
    )

    # As stored: E.164 where the number is one, the text as given where it is not.
    stored = set(Owner.objects.values_list(Cast("phone", output_field=CharField()), flat=True))
    assert {"+8613800000001", "+14155552671", "12345", ""} <= stored
    ours = owner_registry(community)
    assert ours == registry_from_instances(community)
    voter = ours.voter_of[rooms[0].pk]
    assert {ours.voter_of[r.pk] for r in rooms[:4]} == {voter} and ours.voter_of[rooms[4].pk] != voter
    assert ours.voter_of[rooms[5].pk] == ours.voter_of[rooms[6].pk]
    assert ours.voter_of[rooms[7].pk] == ours.voter_of[rooms[8].pk] != ours.voter_of[rooms[9].pk]
    assert ours.voter_of[rooms[10].pk] == ours.voter_of[rooms[11].pk]
    assert ours.voter_of[rooms[12].pk] == ours.voter_of[rooms[13].pk]
    # The unsold rooms, and the room of the worker who confirmed the links (no owner on it).
    roster = Household.objects.for_community(community)
    assert set(ours.unowned) == set(roster.filter(owners=None).values_list("pk", flat=True))
    assert {rooms[14].pk, rooms[15].pk} <= set(ours.unowned)
    # Heads: {0-3}, 4, {5, 6}, {7, 8}, 9, {10, 11}, {12, 13}, and the developer's.
    assert ours.total_heads == 8
    assert ours.parts[voter] == tuple(
        r.pk for r in Household.objects.filter(pk__in=[r.pk for r in rooms[:4]])
    )
    assert ours.total_area == sum(r.area for r in roster)
    assert Owner.objects.filter(household__building__community=community).count() == 15


def test_a_roster_without_owners_or_households(community):
    assert owner_registry(community) == registry_from_instances(community)
    assert owner_registry(community).total_heads == 0
    HouseholdFactory(building=Building.objects.create(community=community, name="1号楼"))
    assert owner_registry(community) == registry_from_instances(community)
    assert owner_registry(community).total_heads == 1  # the developer's unsold part
