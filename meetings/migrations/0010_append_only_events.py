from django.db import migrations

from cms.append_only import AppendOnly


class Migration(migrations.Migration):
    """The live log, the minutes' chain and the ballots' audit trail are append-only by the
    database: a trigger refuses updates (cms/append_only.py)."""

    dependencies = [
        ("meetings", "0009_ballot_per_household_constraints"),
    ]

    operations = [
        AppendOnly("LiveEvent"),
        AppendOnly("MinuteEntry"),
        AppendOnly("BallotChange"),
    ]
