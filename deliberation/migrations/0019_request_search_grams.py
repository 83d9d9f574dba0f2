"""The hall's search terms (``deliberation.search``): a column, filled for the requests already
stored, and on PostgreSQL a GIN index on the column read as a tsvector."""

from django.db import migrations, models

from deliberation.search import grams_of

INDEX = "deliberation_request_grams_gin"


def fill(apps, schema_editor):
    Request = apps.get_model("deliberation", "Request")
    batch = []
    for request in Request.objects.only("title", "description", "location").iterator(chunk_size=2000):
        request.search_grams = grams_of(request.title, request.description, request.location)
        batch.append(request)
        if len(batch) == 2000:
            Request.objects.bulk_update(batch, ["search_grams"])
            batch = []
    Request.objects.bulk_update(batch, ["search_grams"])


def index_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON deliberation_request USING gin ((search_grams::tsvector))"
        )


def index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("deliberation", "0018_user_elderly_mode"),
    ]

    operations = [
        migrations.AddField(
            model_name="request",
            name="search_grams",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(index_create, index_drop),
    ]
