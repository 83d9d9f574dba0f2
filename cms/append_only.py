"""Append-only tables, enforced by the database on SQLite and PostgreSQL.

A timeline or audit row (a request's events, a person's role events, a meeting's live events,
minute entries, ballot changes) is written once. ``save()`` cannot promise that
(``QuerySet.update()`` and raw SQL go around it), so a ``BEFORE UPDATE`` trigger refuses every
update of a row, even one that changes nothing (``save()`` of a loaded row). The one update let
through is the one Django itself issues when a referenced row is deleted: a nullable foreign key
declared ``on_delete=SET_NULL`` (the author of an event whose account is deleted) going to
``NULL``, every other column unchanged. ``DELETE`` is allowed: rows leave with their request,
meeting, community or user (``on_delete=CASCADE``) when the admin deletes those
(docs/decisions.md).

Migrations use the ``AppendOnly`` operation; it reads the columns from the migration's state, so
the SQLite trigger (which must name each column) covers the table as that migration sees it. A
later migration that adds a column to such a table, or alters one on SQLite (which rebuilds the
table and so loses its triggers), runs ``AppendOnly`` again after its own operations;
``tests/cms/test_append_only.py`` checks that every table has its trigger, naming every column.
"""

from django.db import models
from django.db.migrations.operations.base import Operation


def trigger_name(table: str) -> str:
    return f"{table}_append_only"


def _columns(model) -> tuple[list[str], list[str]]:
    """Every column of the model, and those a deletion elsewhere may set to NULL."""
    columns, set_null = [], []
    for field in model._meta.concrete_fields:
        columns.append(field.column)
        if field.remote_field is not None and field.null and field.remote_field.on_delete is models.SET_NULL:
            set_null.append(field.column)
    return columns, set_null


def create_sql(vendor: str, table: str, columns: list[str], set_null: list[str]) -> list[str]:
    """Refuse every UPDATE (one that changes nothing too) but a ``SET NULL`` of a deletion."""
    name = trigger_name(table)
    message = f"{table} is append-only: its rows cannot be changed"
    if vendor == "sqlite":
        same = [f'NEW."{c}" IS OLD."{c}"' for c in columns if c not in set_null]
        same += [f'(NEW."{c}" IS OLD."{c}" OR NEW."{c}" IS NULL)' for c in set_null]
        cleared = " OR ".join(f'(OLD."{c}" IS NOT NULL AND NEW."{c}" IS NULL)' for c in set_null)
        when = f" WHEN NOT ({' AND '.join(same)} AND ({cleared}))" if set_null else ""
        return [
            f'CREATE TRIGGER "{name}" BEFORE UPDATE ON "{table}" FOR EACH ROW{when}'
            f" BEGIN SELECT RAISE(ABORT, '{message}'); END"
        ]
    if vendor == "postgresql":
        # The rows compared as JSON less the SET NULL columns: a column added later is covered too.
        if set_null:
            kept = "ARRAY[" + ", ".join(f"'{c}'" for c in set_null) + "]::text[]"
            same = [f"(to_jsonb(NEW) - {kept}) = (to_jsonb(OLD) - {kept})"]
            same += [f'(NEW."{c}" IS NOT DISTINCT FROM OLD."{c}" OR NEW."{c}" IS NULL)' for c in set_null]
            cleared = " OR ".join(f'(OLD."{c}" IS NOT NULL AND NEW."{c}" IS NULL)' for c in set_null)
            allowed = f"{' AND '.join(same)} AND ({cleared})"
        else:
            allowed = "false"
        return [
            f'CREATE OR REPLACE FUNCTION "{name}"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
            f"IF NOT ({allowed}) THEN "
            f"RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation'; "
            "END IF; RETURN NEW; END $$",
            f'CREATE TRIGGER "{name}" BEFORE UPDATE ON "{table}" FOR EACH ROW EXECUTE FUNCTION "{name}"()',
        ]
    raise NotImplementedError(f"append-only tables are not implemented for {vendor}")


def drop_sql(vendor: str, table: str) -> list[str]:
    name = trigger_name(table)
    if vendor == "sqlite":
        return [f'DROP TRIGGER IF EXISTS "{name}"']
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"', f'DROP FUNCTION IF EXISTS "{name}"()']
    raise NotImplementedError(f"append-only tables are not implemented for {vendor}")


def install(connection, model) -> None:
    """(Re)create the trigger of ``model``'s table from its current columns."""
    columns, set_null = _columns(model)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        for sql in drop_sql(connection.vendor, table) + create_sql(
            connection.vendor, table, columns, set_null
        ):
            cursor.execute(sql)


def uninstall(connection, model) -> None:
    with connection.cursor() as cursor:
        for sql in drop_sql(connection.vendor, model._meta.db_table):
            cursor.execute(sql)


class AppendOnly(Operation):
    """Make a model's table append-only (reversible: going back drops the trigger)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def deconstruct(self):
        return self.__class__.__name__, [self.model_name], {}

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            columns, set_null = _columns(model)
            table = model._meta.db_table
            vendor = schema_editor.connection.vendor
            for sql in drop_sql(vendor, table) + create_sql(vendor, table, columns, set_null):
                schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            for sql in drop_sql(schema_editor.connection.vendor, model._meta.db_table):
                schema_editor.execute(sql, params=None)

    def describe(self):
        return f"Refuse updates to the rows of {self.model_name} (a database trigger)"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name.lower()}_append_only"
