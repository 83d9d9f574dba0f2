"""Migration 0006 moves owner ballots onto households without losing any audit row."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("meetings", "0006_client_write_scoped_to_sender_and_type")]
AFTER = [("meetings", "0009_ballot_per_household_constraints")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    """Every app's last migration: the database the other tests expect (later migrations too)."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_co_owners_separate_ballots_become_one_household_ballot_keeping_every_change(community):
    from tests.factories import BuildingFactory, HouseholdFactory, OwnerFactory, UserFactory, make_meeting

    meeting = make_meeting(community)
    shared = HouseholdFactory(building=BuildingFactory(community=community, name="M楼"))
    a, b = OwnerFactory(household=shared), OwnerFactory(household=shared)
    single = OwnerFactory(household=HouseholdFactory(building=shared.building))
    by = UserFactory()
    try:
        apps = _migrate(BEFORE)
        Motion = apps.get_model("meetings", "Motion")
        Ballot = apps.get_model("meetings", "Ballot")
        BallotChange = apps.get_model("meetings", "BallotChange")
        motion = Motion.objects.create(
            meeting_id=meeting.pk, text="m", rule="civil_code_278", opened_by_id=by.pk
        )
        now = timezone.now()
        rows = {}
        for owner, choice, minutes in ((a, "for", 1), (b, "against", 2), (single, "abstain", 3)):
            ballot = Ballot.objects.create(
                motion_id=motion.pk,
                owner_id=owner.pk,
                choice=choice,
                cast_at=now + timezone.timedelta(minutes=minutes),
            )
            BallotChange.objects.create(ballot=ballot, motion_id=motion.pk, new_choice=choice, by_id=by.pk)
            rows[owner.pk] = ballot.pk

        apps = _migrate(AFTER)
        Ballot = apps.get_model("meetings", "Ballot")
        BallotChange = apps.get_model("meetings", "BallotChange")
        ballots = {x.household_id: x for x in Ballot.objects.filter(motion_id=motion.pk)}
        assert set(ballots) == {shared.pk, single.household_id}
        # The latest co-owner's ballot stands for the household; the earlier one's change moved onto it.
        assert ballots[shared.pk].pk == rows[b.pk] and ballots[shared.pk].choice == "against"
        assert sorted(
            BallotChange.objects.filter(ballot_id=rows[b.pk]).values_list("new_choice", flat=True)
        ) == [
            "against",
            "for",
        ]
        assert BallotChange.objects.filter(motion_id=motion.pk).count() == 3
    finally:
        # Back to every app's latest migrations (their triggers included) for the tests that follow.
        _migrate(_latest())
