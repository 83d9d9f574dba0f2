"""Statistics against a fixture built through the real services and computed by hand.

The page, the CSV and the .xlsx must hold the same numbers and print the same definitions, and
the queries must not grow with the number of requests.
"""

import csv
import datetime
import html
import io
import re
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from deliberation.models import Request, RequestEvent, Role
from deliberation.services.deadlines import deadlines_process
from deliberation.services.requests import (
    request_accept,
    request_close,
    request_escalate,
    request_evaluate,
    request_reject,
    request_resolve,
    request_resolve_by_meeting,
    request_respond,
    request_submit,
)
from deliberation.services.statistics import FIGURES
from meetings.services.convening import agenda_items_from_requests, meeting_create
from tests.factories import make_member
from tests.tampering import tampering

pytestmark = pytest.mark.django_db

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
S = Request.Status
#: The page is read at 07:00 Beijing time on 20 May, which is still 19 May in UTC.
VIEWED_AT = datetime.datetime(2026, 5, 20, 7, 0, tzinfo=SH)


def at(month, day, hour, minute=0):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def hall(community, other_community, categories, worker, property_staff):
    """Ten requests of 幸福社区 and one of 和谐社区, each moved through the services at a set time.

    repair = 设施维修 (property company, 5 days); dispute = 邻里纠纷 (community, 7 days).
    """
    repair, dispute = categories["设施维修"], categories["邻里纠纷"]
    made = {}

    def submit(name, when, category, where=community):
        with time_machine.travel(when, tick=False):
            by = make_member(where, role=Role.RESIDENT)
            made[name] = request_submit(
                community=where, by=by, title=name, description=f"{name} 的描述", category=category
            )
        return made[name]

    def step(when, fn, name, **kwargs):
        with time_machine.travel(when, tick=False):
            return fn(request=Request.objects.get(pk=made[name].pk), **kwargs)

    def evaluate(when, name, rating):
        requester = made[name].requester
        step(when, request_evaluate, name, by=requester, rating=rating, comment="")

    # R1: resolved in a day, 5 stars.
    submit("R1", at(4, 1, 9), repair)
    step(at(4, 1, 10), request_accept, "R1", by=worker)
    step(at(4, 1, 13), request_respond, "R1", by=property_staff, body="明天上门")
    step(at(4, 2, 9), request_resolve, "R1", by=property_staff)
    evaluate(at(4, 2, 12), "R1", 5)

    # R2: 1 star reopens it; resolved again, 4 stars, closed. Both evaluations count.
    submit("R2", at(4, 10, 8), repair)
    step(at(4, 10, 9), request_accept, "R2", by=worker)
    step(at(4, 10, 10), request_respond, "R2", by=property_staff, body="已派人")
    step(at(4, 12, 8), request_resolve, "R2", by=property_staff)
    evaluate(at(4, 12, 20), "R2", 1)
    step(at(4, 16, 8), request_resolve, "R2", by=property_staff)
    evaluate(at(4, 16, 10), "R2", 4)
    step(at(4, 17, 9), request_close, "R2", by=worker)

    # R3: resolved, 2 stars reopen it (new due date 28 Apr), then left: urged and escalated on 2 May.
    submit("R3", at(4, 20, 9), repair)
    step(at(4, 20, 9), request_accept, "R3", by=worker)
    step(at(4, 22, 9), request_resolve, "R3", by=property_staff)
    evaluate(at(4, 23, 9), "R3", 2)

    # R4: rejected.
    submit("R4", at(4, 25, 10), dispute)
    step(at(4, 25, 11), request_reject, "R4", by=worker, reason="不属于社区事务")

    # R5: submitted at 07:00 on 1 May in Beijing (23:00 on 30 April in UTC): a May request.
    submit("R5", at(5, 1, 7), dispute)
    step(at(5, 1, 8), request_accept, "R5", by=worker)  # due 8 May
    step(at(5, 2, 7), request_respond, "R5", by=worker, body="网格员已约谈")
    with time_machine.travel(at(5, 2, 9), tick=False):
        assert deadlines_process() == {"urged": 1, "escalated": 1}  # R3 only

    # R11 (submitted, never accepted) and R6 (accepted, due 19 May) go on a meeting's agenda;
    # the meeting resolves R11, which gets 4 stars.
    submit("R11", at(5, 3, 9), dispute)
    submit("R6", at(5, 5, 10), repair)
    step(at(5, 5, 10, 30), request_accept, "R6", by=worker, due_date=datetime.date(2026, 5, 19))
    with time_machine.travel(at(5, 6, 9), tick=False):
        meeting = meeting_create(community=community, by=worker, title="五月四方会议")
        agenda_items_from_requests(
            meeting=meeting,
            by=worker,
            requests=Request.objects.filter(pk__in=[made["R6"].pk, made["R11"].pk]),
        )
    step(at(5, 8, 9), request_resolve_by_meeting, "R11", by=worker, resolution_title="决议", url="/m/")
    evaluate(at(5, 9, 9), "R11", 4)

    # R7: accepted, due 25 May, escalated by the worker.
    submit("R7", at(5, 10, 10), repair)
    step(at(5, 10, 12), request_accept, "R7", by=worker, due_date=datetime.date(2026, 5, 25))
    step(at(5, 11, 9), request_escalate, "R7", by=worker, reason="需要街道协调")

    # R8: resolved after 30 hours, not evaluated yet.
    submit("R8", at(5, 12, 9), repair)
    step(at(5, 12, 10), request_accept, "R8", by=worker)
    step(at(5, 13, 15), request_resolve, "R8", by=property_staff)

    # R9: waiting to be accepted. R12: another community's.
    submit("R9", at(5, 15, 9), repair)
    submit("R12", at(5, 15, 9), repair, where=other_community)
    return made


# Computed by hand from the fixture above, as the page stands at VIEWED_AT (20 May in Beijing).
# Statuses: R1 evaluated, R2 closed, R3 accepted (reopened), R4 rejected, R5 responded,
# R6 on agenda, R7 accepted, R8 resolved, R9 submitted, R11 evaluated.
# accepted = handling R3 R5 R6 R7 + resolved R1 R2 R8 R11 = 8; rate 4 / 8.
# overdue: R3 (due 28 Apr), R5 (due 8 May), R6 (due 19 May: overdue in Beijing, not yet in UTC).
# escalated: R3 (automatically), R7 (by the worker).
# first response (hours): R1 4, R2 2, R3 48 (its resolution), R5 24, R8 30, R11 120 → 228 / 6 = 38.
# resolution (hours, latest): R1 24, R2 144, R8 30, R11 120 → 318 / 4 = 79.5.
# evaluations: R1 5, R2 1 and 4, R3 2, R11 4 → 16 / 5 = 3.2 (the old page said 4.33).
SUMMARY = {
    "total": 10,
    "waiting": 1,
    "rejected": 1,
    "accepted": 8,
    "resolved": 4,
    "resolution_rate": 50.0,
    "overdue": 3,
    "escalated": 2,
    "average_response_hours": 38.0,
    "average_resolution_hours": 79.5,
    "evaluations": 5,
    "average_satisfaction": 3.2,
}
# April: R1 R2 R3 R4. Response (4 + 2 + 48) / 3; resolution (24 + 144) / 2; stars 5 1 4 2.
APRIL = [4, 0, 1, 3, 2, 66.7, 1, 1, 18.0, 84.0, 4, 3.0]
# May: R5 R6 R7 R8 R9 R11. Response (24 + 30 + 120) / 3; resolution (30 + 120) / 2; stars 4.
MAY = [6, 1, 0, 5, 2, 40.0, 2, 1, 58.0, 75.0, 1, 4.0]
# The street adds 和谐社区's one waiting request.
STREET = [11, 2, 1, 8, 4, 50.0, 3, 2, 38.0, 79.5, 5, 3.2]
OTHER_COMMUNITY = [1, 1, 0, 0, 0, None, 0, 0, None, None, 0, None]
LABELS = [
    "Requests",
    "Awaiting acceptance",
    "Rejected",
    "Accepted",
    "Resolved",
    "Resolution rate (%)",
    "Overdue",
    "Escalated",
    "Average hours to first response",
    "Average hours to resolution",
    "Evaluations",
    "Average satisfaction",
]


def shown(value, key):
    """How the page writes a value (the exports hold the bare number)."""
    if value is None:
        return "—"
    return f"{value}{ {'resolution_rate': '%', 'average_satisfaction': ' / 5'}.get(key, '') }"


def get_all(client, community, street):
    with time_machine.travel(VIEWED_AT, tick=False):
        kwargs = {"community_id": community.pk}
        return {
            "page": client.get(reverse("community_statistics", kwargs=kwargs)),
            "csv": client.get(reverse("community_statistics_export", kwargs=kwargs | {"fmt": "csv"})),
            "xlsx": client.get(reverse("community_statistics_export", kwargs=kwargs | {"fmt": "xlsx"})),
            "street_page": client.get(reverse("street_statistics", kwargs={"street_id": street.pk})),
            "street_xlsx": client.get(
                reverse("street_statistics_export", kwargs={"street_id": street.pk, "fmt": "xlsx"})
            ),
            "street_csv": client.get(
                reverse("street_statistics_export", kwargs={"street_id": street.pk, "fmt": "csv"})
            ),
        }


def page_row(text, row_id):
    row = re.search(rf'<tr id="{re.escape(row_id)}">(.*?)</tr>', text, re.S).group(1)
    return re.findall(r'<td data-figure="\w+">([^<]*)</td>', row)


def test_the_page_and_both_exports_match_the_hand_computed_numbers(client, hall, community, street):
    got = get_all(client, community, street)
    assert {name: r.status_code for name, r in got.items()} == dict.fromkeys(got, 200)
    keys = [f.key for f in FIGURES]

    page = got["page"].content.decode()
    assert {key: re.search(rf'<dd id="stat-{key}">([^<]*)</dd>', page).group(1) for key in keys} == {
        key: shown(value, key) for key, value in SUMMARY.items()
    }
    assert page_row(page, "month-2026-04") == [shown(v, k) for k, v in zip(keys, APRIL, strict=True)]
    assert page_row(page, "month-2026-05") == [shown(v, k) for k, v in zip(keys, MAY, strict=True)]

    book = load_workbook(io.BytesIO(got["xlsx"].content))
    assert book.sheetnames == ["Summary", "By category", "By status", "By month"]
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert summary[0] == ("Measure", "Value", "Definition")
    assert [(label, value) for label, value, _definition in summary[1:]] == list(
        zip(LABELS, SUMMARY.values(), strict=True)
    )
    assert list(book["By category"].iter_rows(min_row=2, values_only=True)) == [
        ("Facility repairs", 7),
        ("Disputes between neighbours", 3),
    ]
    assert list(book["By status"].iter_rows(min_row=2, values_only=True)) == [
        ("Submitted", 1), ("Accepted", 2), ("Rejected", 1), ("Responded", 1), ("Resolved", 1),
        ("Evaluated", 2), ("Closed", 1), ("On a meeting agenda", 1),
    ]  # fmt: skip
    months = list(book["By month"].iter_rows(values_only=True))
    assert months == [("Month", *LABELS), ("2026-04", *APRIL), ("2026-05", *MAY)]

    rows = list(csv.reader(io.StringIO(got["csv"].content.decode("utf-8-sig"))))
    as_text = [
        ["" if v is None else str(v) for v in row]
        for row in [("Month", *LABELS), ("2026-04", *APRIL), ("2026-05", *MAY)]
    ]
    assert [row for row in rows if row and row[0] in ("Month", "2026-04", "2026-05")] == as_text
    summary_rows = [row[:2] for row in rows if row and row[0] in LABELS and len(row) == 3]
    assert summary_rows == [[label, str(v)] for label, v in zip(LABELS, SUMMARY.values(), strict=True)]

    street_page = got["street_page"].content.decode()
    assert {key: re.search(rf'<dd id="stat-{key}">([^<]*)</dd>', street_page).group(1) for key in keys} == {
        key: shown(value, key) for key, value in zip(keys, STREET, strict=True)
    }
    by_community = list(load_workbook(io.BytesIO(got["street_xlsx"].content))["By community"].values)
    assert by_community == [
        ("Community", *LABELS),
        ("幸福社区", *SUMMARY.values()),
        ("和谐社区", *OTHER_COMMUNITY),
    ]
    street_rows = list(csv.reader(io.StringIO(got["street_csv"].content.decode("utf-8-sig"))))
    assert ["和谐社区", "1", "1", "0", "0", "0", "", "0", "0", "", "", "0", ""] in street_rows


def test_the_definitions_are_printed_beside_the_numbers(client, hall, community, street):
    got = get_all(client, community, street)
    page = html.unescape(got["page"].content.decode())
    with translation.override("en"):
        definitions = {str(f.label): str(f.definition) for f in FIGURES}
    for label, definition in definitions.items():
        assert re.search(
            rf"<dt>{re.escape(label)}</dt><dd [^>]*>[^<]*</dd><dd[^>]*>{re.escape(definition)}</dd>", page
        )
    summary = list(
        load_workbook(io.BytesIO(got["xlsx"].content))["Summary"].iter_rows(min_row=2, values_only=True)
    )
    assert {label: definition for label, _value, definition in summary} == definitions
    rows = list(csv.reader(io.StringIO(got["csv"].content.decode("utf-8-sig"))))
    assert {row[0]: row[2] for row in rows if len(row) == 3 and row[0] in definitions} == definitions


def test_the_page_speaks_chinese_with_the_same_definitions(client, hall, community, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    with time_machine.travel(VIEWED_AT, tick=False):
        page = html.unescape(
            client.get(
                reverse("community_statistics", kwargs={"community_id": community.pk})
            ).content.decode()
        )
    with translation.override("en"):
        english = {str(f.definition) for f in FIGURES}
    with translation.override("zh-hans"):
        for figure in FIGURES:
            assert str(figure.definition) not in english  # translated
            assert f"<dt>{figure.label}</dt>" in page and str(figure.definition) in page


def test_docs_define_every_figure_in_the_words_of_the_page():
    docs = Path(__file__).resolve().parents[3] / "docs" / "hall.md"
    text = docs.read_text()
    for figure in FIGURES:
        with translation.override("en"):
            label, definition = str(figure.label), str(figure.definition)
        with translation.override("zh-hans"):
            chinese = str(figure.label)
        assert f"| {label} | {chinese} | {definition} |" in text


def test_an_evaluation_survives_its_reopening(hall):
    """The 1 star that reopened R2 is on the timeline, though the request's own rating moved on."""
    r2 = Request.objects.get(pk=hall["R2"].pk)
    assert (r2.status, r2.rating, r2.reopen_count) == (S.CLOSED, 4, 1)
    ratings = RequestEvent.objects.filter(request=r2, kind=RequestEvent.Kind.EVALUATED).order_by("at")
    assert list(ratings.values_list("rating", flat=True)) == [1, 4]


# --- the cost does not grow with the requests ----------------------------------------------------


def _bulk(community, other_community, categories, n):
    """``n`` requests in every state over six months, with evaluations: rows, not a story."""
    states = [
        S.SUBMITTED,
        S.ACCEPTED,
        S.REJECTED,
        S.RESPONDED,
        S.RESOLVED,
        S.EVALUATED,
        S.CLOSED,
        S.ON_AGENDA,
    ]
    cats = list(categories.values())
    start = timezone.make_aware(datetime.datetime(2026, 1, 1, 9))
    rows = []
    for i in range(n):
        created = start + datetime.timedelta(days=(i * 7) % 180, hours=i % 24)
        status = states[i % len(states)]
        done = status in Request.RESOLVED_STATUSES
        rows.append(
            Request(
                community=community if i % 3 else other_community,
                category=cats[i % len(cats)],
                title=f"R{i}",
                description="d",
                status=status,
                created_at=created,
                accepted_at=created + datetime.timedelta(hours=1)
                if status not in (S.SUBMITTED, S.REJECTED)
                else None,
                first_response_at=created + datetime.timedelta(hours=5) if i % 2 else None,
                resolved_at=created + datetime.timedelta(hours=30) if done else None,
                due_date=(created + datetime.timedelta(days=5)).date() if status != S.SUBMITTED else None,
                escalated_at=created if i % 5 == 0 else None,
            )
        )
    made = Request.objects.bulk_create(rows)
    RequestEvent.objects.bulk_create(
        RequestEvent(request=r, kind=RequestEvent.Kind.EVALUATED, rating=1 + i % 5)
        for i, r in enumerate(made)
        if r.status in (S.EVALUATED, S.CLOSED)
    )


@pytest.mark.parametrize("view", ["community_statistics", "street_statistics"])
def test_the_queries_do_not_grow_with_the_requests(
    client, community, other_community, categories, street, view
):
    kwargs = {"community_id": community.pk} if view == "community_statistics" else {"street_id": street.pk}
    client.get(reverse(view, kwargs=kwargs))  # caches filled once per process, not per request
    counts, sql = [], []
    for n in (20, 2000):
        Request.objects.all().delete()
        _bulk(community, other_community, categories, n)
        for url in (reverse(view, kwargs=kwargs), reverse(f"{view}_export", kwargs=kwargs | {"fmt": "xlsx"})):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
            sql += [q["sql"] for q in queries.captured_queries]
    assert counts[:2] == counts[2:], counts
    # The page after new requests recomputes the summaries (four grouped queries and one upsert,
    # for any number of communities); the export right after it reads them as they are.
    assert counts[0] <= 16 and counts[1] <= 10, counts
    # Aggregated by the database: no query hands the requests' rows to Python.
    reads = [q for q in sql if '"deliberation_request"' in q]
    assert reads and all(re.search(r"\b(COUNT|AVG|SUM|MAX)\(", sql) for sql in reads), reads


def test_the_migration_recovers_past_evaluations_from_their_notes(submit, worker, property_staff):
    """Evaluations given before ratings were kept on the timeline are recovered from the notes,
    written in either language."""
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("deliberation.migrations.0008_evaluation_ratings_on_timeline")
    request = request_accept(request=submit(), by=worker)
    for stars, language in ((2, "zh-hans"), (5, "en")):  # 2 stars reopen it: resolved again
        request_resolve(request=request, by=property_staff)
        with translation.override(language):
            request_evaluate(request=request, by=request.requester, rating=stars, comment="3号楼")
    other = submit()
    request_accept(request=other, by=worker)
    request_resolve(request=other, by=property_staff)
    request_evaluate(request=other, by=other.requester, rating=3)
    evaluated = RequestEvent.objects.filter(kind=RequestEvent.Kind.EVALUATED)
    assert [e.note.split(" ")[0] for e in evaluated.order_by("id")] == ["2", "5", "3"]
    # The rows as they were before migration 0008, and its backfill, which ran before the
    # timeline became append-only (0011).
    with tampering(RequestEvent):
        RequestEvent.objects.filter(pk=evaluated.get(request=other).pk).update(note="（已回访）")
        evaluated.update(rating=None)
        backfill.backfill_ratings(apps, None)
    assert list(evaluated.order_by("id").values_list("rating", flat=True)) == [2, 5, 3]


def test_the_overdue_index_covers_exactly_the_requests_being_handled():
    (index,) = [i for i in Request._meta.indexes if i.name == "request_handling_due"]
    assert set(dict(index.condition.children)["status__in"]) == set(Request.HANDLING_STATUSES)
