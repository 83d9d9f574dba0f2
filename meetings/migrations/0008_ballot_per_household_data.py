from django.db import migrations


def ballots_to_households(apps, schema_editor):
    """Each owner ballot moves to its owner's household. Where co-owners had cast separate ballots,
    the latest one stays the household's ballot and the others' audit rows move onto it."""
    Ballot = apps.get_model("meetings", "Ballot")
    BallotChange = apps.get_model("meetings", "BallotChange")
    kept = {}
    for ballot in (
        Ballot.objects.filter(owner__isnull=False).select_related("owner").order_by("-cast_at", "-id")
    ):
        key = (ballot.motion_id, ballot.owner.household_id)
        if key in kept:
            BallotChange.objects.filter(ballot_id=ballot.pk).update(ballot_id=kept[key])
            ballot.delete()
            continue
        kept[key] = ballot.pk
        Ballot.objects.filter(pk=ballot.pk).update(household_id=ballot.owner.household_id)


class Migration(migrations.Migration):
    """Its own migration: on PostgreSQL the data move must not share a transaction with the
    schema changes around it (deferred foreign-key triggers block the index builds)."""

    dependencies = [
        ("meetings", "0007_ballot_per_household"),
    ]

    operations = [
        migrations.RunPython(ballots_to_households, migrations.RunPython.noop),
    ]
