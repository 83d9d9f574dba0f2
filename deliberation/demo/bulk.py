"""Writing millions of rows fast for ``seed_scale``: model instances (so every default, ``auto_now_add``
and field conversion is the model's own) with ids given in advance, written with PostgreSQL's
``COPY`` (psycopg's ``cursor.copy``) or, on SQLite, ``bulk_create``. Nothing here is used by the site.
"""

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max


class Rows:
    """The rows of one model, written in batches. ``add`` gives each instance the next free id."""

    BATCH = 20_000

    def __init__(self, model, on_write=None, after=()):
        self.model = model
        self.after = after  # the rows these point at: written first
        self.fields = [f for f in model._meta.concrete_fields]
        self.next_id = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.pending = []
        self.written = 0
        self.on_write = on_write

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def add(self, obj):
        if obj.pk is None:
            obj.pk = self.new_id()
        self.pending.append(obj)
        if len(self.pending) >= self.BATCH:
            self.flush()
        return obj

    def flush(self):
        if not self.pending:
            return
        for rows in self.after:
            rows.flush()
        if connection.vendor == "postgresql":
            self._copy(self.pending)
        else:
            self.model.objects.bulk_create(self.pending, batch_size=500)
        self.written += len(self.pending)
        if self.on_write:
            self.on_write(len(self.pending))
        self.pending = []

    def _copy(self, objs):
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        table = connection.ops.quote_name(self.model._meta.db_table)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for obj in objs:
                copy.write_row(
                    [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in self.fields]
                )


def sequences_reset(*models) -> None:
    """After rows with given ids, the database's own counters go on above them."""
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
