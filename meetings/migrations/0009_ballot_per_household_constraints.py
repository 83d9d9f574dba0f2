from django.db import migrations, models


class Migration(migrations.Migration):
    """Separate from 0006 so the data move commits before PostgreSQL adds the constraints."""

    dependencies = [
        ("meetings", "0008_ballot_per_household_data"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="ballot",
            constraint=models.UniqueConstraint(
                condition=models.Q(("household__isnull", False)),
                fields=("motion", "household"),
                name="ballot_one_per_household",
            ),
        ),
        migrations.AddConstraint(
            model_name="ballot",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("household__isnull", True), ("owner__isnull", True), ("participant__isnull", False)
                    ),
                    models.Q(("household__isnull", False), ("participant__isnull", True)),
                    _connector="OR",
                ),
                name="ballot_one_voter_kind",
            ),
        ),
    ]
