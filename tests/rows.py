"""The common fixtures' rows, built once per test process and written back for each test.

A community is a Wagtail page with two child pages (its hall and its meetings index) under a street
page: about 90 queries, in a thousand tests of a run, and ``users_by_role`` about 125 more. The
first test of a process that asks for such a fixture builds it as always, and the rows the build
wrote are kept (the rows it inserted, and those it changed: a parent page's count of children). A
later test that asks for the same fixture from the same starting point gets those rows written
back (one bulk statement per table) and the objects read from them: the database the build would
have left, row for row, with the same keys, and with the times the build wrote ("now") moved to
this test's now.

Only where the starting point is known to be the same: inside a test's transaction (not in a
transactional test, whose rows other threads read), when nothing but these fixtures has written
since the test began, in the same language. Anywhere else, and for a build that did more than
write rows (sent mail), the fixture is built as always.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core import mail
from django.db import connection
from django.db.models import Model
from django.utils import timezone, translation

WRITE = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE|WITH)\b", re.IGNORECASE)


@dataclass
class Recipe:
    """What one build wrote: per table, the keys of the rows it deleted, the rows it changed and
    the rows it inserted (whole), with the objects it returned (as model and key) and when it ran."""

    tables: list[tuple[str, list[str], list[int], list[tuple], list[tuple], list[tuple]]]
    shape: object
    began: datetime
    ended: datetime

    def write(self) -> None:
        quote = connection.ops.quote_name
        shift = _Shift(self.began, self.ended, timezone.now())
        with connection.cursor() as cursor:
            for table, columns, key, deleted, changed, inserted in self.tables:
                where = " AND ".join(f"{quote(columns[i])} = %s" for i in key)
                if deleted:
                    cursor.executemany(f"DELETE FROM {quote(table)} WHERE {where}", deleted)
                if changed:
                    others = [i for i in range(len(columns)) if i not in key]
                    sets = ", ".join(f"{quote(columns[i])} = %s" for i in others)
                    cursor.executemany(
                        f"UPDATE {quote(table)} SET {sets} WHERE {where}",
                        [[shift(row[i]) for i in others] + [row[i] for i in key] for row in changed],
                    )
                if inserted:
                    names = ", ".join(quote(column) for column in columns)
                    marks = ", ".join(["%s"] * len(columns))
                    rows = [tuple(shift(value) for value in row) for row in inserted]
                    cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)

    def objects(self):
        return _thaw(self.shape)


class _Shift:
    """Moves the times a build wrote (those between its start and its end) by the time since."""

    def __init__(self, began: datetime, ended: datetime, now: datetime):
        self.began, self.ended = began - timedelta(milliseconds=1), ended + timedelta(milliseconds=1)
        self.delta = now - began
        self.days = timedelta(days=(now.date() - began.date()).days)
        self.dates = {began.date(), timezone.localdate(began)}

    def __call__(self, value):
        if isinstance(value, datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)
            return value + self.delta if self.began <= aware <= self.ended else value
        if isinstance(value, date) and value in self.dates:
            return value + self.days
        return value


def _freeze(value):
    if value is None:
        return None
    if isinstance(value, Model):
        return (type(value), value.pk)
    if isinstance(value, dict):
        return {key: _freeze(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_freeze(item) for item in value]
    raise TypeError(f"a kept fixture returns models, lists or dicts of them or None, not {type(value)!r}")


def _thaw(shape):
    if shape is None:
        return None
    if isinstance(shape, dict):
        return {key: _thaw(item) for key, item in shape.items()}
    if isinstance(shape, list):
        return [_thaw(item) for item in shape]
    model, pk = shape
    return model._default_manager.get(pk=pk)


@dataclass
class Kept:
    """This process's recipes, and where the current test stands."""

    recipes: dict[tuple, Recipe | None] = field(default_factory=dict)
    chain: tuple[str, ...] | None = None  # the kept fixtures written so far; None: unknown start
    quiet: bool = False

    def begin(self) -> None:
        """A test begins: from the state every test of the process begins from."""
        self.chain = ()
        if self._watch not in connection.execute_wrappers:
            connection.execute_wrappers.append(self._watch)

    def _watch(self, execute, sql, params, many, context):
        if not self.quiet and self.chain is not None and WRITE.match(sql):
            self.chain = None  # something else wrote: the start is no longer known
        return execute(sql, params, many, context)

    def build(self, name: str, factory):
        if self.chain is None or not connection.in_atomic_block:
            return factory()
        key = (connection.settings_dict["NAME"], translation.get_language(), *self.chain, name)
        if key in self.recipes:
            recipe = self.recipes[key]
            if recipe is None:  # this build does more than write rows
                return factory()
            self.quiet = True
            try:
                recipe.write()
                result = recipe.objects()
            finally:
                self.quiet = False
        else:
            result, self.recipes[key] = self._record(factory)
        self.chain = (*self.chain, name)
        return result

    def _record(self, factory):
        sent, began = len(getattr(mail, "outbox", [])), timezone.now()
        before = _dump()
        self.quiet = True
        try:
            result = factory()
        finally:
            self.quiet = False
        after, ended = _dump(), timezone.now()
        if len(getattr(mail, "outbox", [])) != sent:
            return result, None
        tables = []
        for table, (columns, key, rows) in after.items():
            old = before.get(table, (columns, key, {}))[2]
            deleted = [pk for pk in old if pk not in rows]
            changed = [row for pk, row in rows.items() if pk in old and old[pk] != row]
            inserted = [row for pk, row in rows.items() if pk not in old]
            if deleted or changed or inserted:
                tables.append((table, columns, key, deleted, changed, inserted))
        return result, Recipe(tables, _freeze(result), began, ended)


def read_tables(db) -> list[tuple[str, list[str], list[tuple]]]:
    """Every row of every table of the project's models: (table, columns, rows), by table name."""
    quote = db.ops.quote_name
    found = []
    with db.cursor() as cursor:
        for table in sorted(db.introspection.django_table_names(only_existing=True, include_views=False)):
            cursor.execute(f"SELECT * FROM {quote(table)}")
            found.append((table, [column[0] for column in cursor.description], cursor.fetchall()))
    return found


def _dump() -> dict[str, tuple[list[str], list[int], dict[tuple, tuple]]]:
    """Every row of every table, by primary key."""
    found = {}
    for table, columns, rows in read_tables(connection):
        if table not in _KEYS:
            with connection.cursor() as cursor:
                _KEYS[table] = connection.introspection.get_primary_key_columns(cursor, table) or columns
        key = [columns.index(name) for name in _KEYS[table]]
        found[table] = (columns, key, {tuple(row[i] for i in key): row for row in rows})
    return found


_KEYS: dict[str, list[str]] = {}
KEPT = Kept()
