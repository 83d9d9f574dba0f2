"""Timelines and audit rows are append-only by the database, on SQLite and on PostgreSQL.

An UPDATE fails however it is issued (``save()``, ``QuerySet.update()``, raw SQL); a deletion
of the row's owner still removes it (cascade) or clears its author (``SET_NULL``).
"""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from cms.append_only import trigger_name
from deliberation.models import Category, Request, RequestEvent, Role, RoleEvent, User
from deliberation.services.memberships import membership_request
from deliberation.services.requests import request_accept, request_submit
from meetings.models import BallotChange, LiveEvent, Meeting, MinuteEntry, Motion
from meetings.services import minutes, motions
from tests.factories import UserFactory, four_parties, make_meeting, make_member

pytestmark = pytest.mark.django_db

APPEND_ONLY = [RequestEvent, RoleEvent, LiveEvent, MinuteEntry, BallotChange]


@pytest.fixture
def rows(community):
    """One row of every append-only table, each written by its service."""
    worker = make_member(community, role=Role.WORKER)
    resident = make_member(community)
    request = request_submit(
        community=community,
        by=resident,
        title="楼道灯坏了",
        description="3号楼2单元楼道灯不亮。",
        category=Category.objects.get_or_create(name_zh="设施维修", defaults={"name_en": "Repairs"})[0],
    )
    request_accept(request=request, by=worker)
    applicant = UserFactory()
    membership_request(
        user=applicant, community=community, building="3", unit="2", room="101", tenure="owner"
    )
    meeting = make_meeting(community, status=Meeting.Status.SCHEDULED)
    people = four_parties(meeting)
    chair = people["chair"].user
    minutes.meeting_start(meeting=meeting, by=chair)
    minutes.minute_add(meeting=meeting, by=chair, kind="note", text="开会")
    opened = motions.motion_open(meeting=meeting, by=chair, text="更换门禁", agenda_item=None)
    motions.ballot_cast(
        motion=Motion.objects.get(pk=opened.payload["id"]), by=people["committee"].user, choice="for"
    )
    return {
        RequestEvent: RequestEvent.objects.filter(request=request, kind="accepted").get(),
        RoleEvent: RoleEvent.objects.filter(user=applicant).get(),
        LiveEvent: LiveEvent.objects.filter(meeting=meeting).first(),
        MinuteEntry: MinuteEntry.objects.get(meeting=meeting),
        BallotChange: BallotChange.objects.get(),
        "worker": worker,
        "request": request,
        "meeting": meeting,
    }


def refused():
    return pytest.raises(IntegrityError, match="append-only")


@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m.__name__)
def test_the_database_refuses_to_update_a_row(rows, model):
    row = rows[model]
    text_field = {RequestEvent: "note", RoleEvent: "note", LiveEvent: "kind", MinuteEntry: "text"}.get(
        model, "new_choice"
    )
    with refused(), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{text_field: "against" if model is BallotChange else "改过"})
    with refused(), transaction.atomic():
        time_field = "created_at" if model in (LiveEvent, MinuteEntry) else "at"
        model.objects.filter(pk=row.pk).update(**{time_field: getattr(row, time_field).replace(year=2001)})
    with refused(), transaction.atomic():
        row.save()  # the same values: an update all the same
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{model._meta.db_table}" SET "id" = "id" + 1000 WHERE "id" = %s', [row.pk])
    fresh = model.objects.get(pk=row.pk)
    assert getattr(fresh, text_field) == getattr(row, text_field)


def test_an_author_cannot_be_swapped_but_can_be_cleared_by_deleting_the_account(rows):
    event = rows[RequestEvent]
    with refused(), transaction.atomic():
        RequestEvent.objects.filter(pk=event.pk).update(by=UserFactory())
    rows["worker"].delete()  # Django sets the author to NULL: the one update let through
    event = RequestEvent.objects.get(pk=event.pk)
    assert event.by is None and event.kind == "accepted"


def test_rows_leave_with_their_request_their_meeting_and_their_user(rows):
    rows["request"].delete()
    assert not RequestEvent.objects.filter(pk=rows[RequestEvent].pk).exists()
    rows["meeting"].delete()
    for model in (LiveEvent, MinuteEntry, BallotChange):
        assert not model.objects.filter(pk=rows[model].pk).exists()
    User.objects.filter(pk=rows[RoleEvent].user_id).delete()
    assert not RoleEvent.objects.filter(pk=rows[RoleEvent].pk).exists()
    assert Request.objects.count() == 0


@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m.__name__)
def test_every_table_has_its_trigger_and_it_names_every_column(model):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [trigger_name(table)]
            )
            (sql,) = cursor.fetchone()
            for field in model._meta.concrete_fields:
                assert f'NEW."{field.column}"' in sql, field.column
        else:  # the PostgreSQL function compares whole rows: a trigger per table is enough
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
                [trigger_name(table), table],
            )
            assert cursor.fetchone() == (1,)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migrations_go_back_and_forth():
    call_command("migrate", "meetings", "0009", verbosity=0)
    call_command("migrate", "deliberation", "0010", verbosity=0)
    with connection.cursor() as cursor:
        names = [trigger_name(m._meta.db_table) for m in APPEND_ONLY]
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(names))
            cursor.execute(
                f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})", names
            )
        else:
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s)", [names])
        assert cursor.fetchone() == (0,)
    call_command("migrate", verbosity=0)
    test_every_table_has_its_trigger_and_it_names_every_column(RequestEvent)
    test_every_table_has_its_trigger_and_it_names_every_column(BallotChange)
