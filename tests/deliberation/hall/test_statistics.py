"""Statistics against a fixture computed by hand; the CSV and .xlsx exports hold the same numbers."""

import csv
import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from deliberation.models import Request
from deliberation.services.statistics import community_statistics, street_statistics

pytestmark = pytest.mark.django_db

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 5, 20)
S = Request.Status


def t(month, day, hour):
    return datetime.datetime(2026, month, day, hour, tzinfo=SH)


@pytest.fixture
def fixture(community, other_community, categories, resident):
    repair, dispute = categories["设施维修"], categories["邻里纠纷"]

    def make(
        n,
        category,
        status,
        created,
        accepted=None,
        responded=None,
        resolved=None,
        due=None,
        rating=None,
        where=community,
    ):
        Request.objects.create(
            tracking_number=f"SQ-2026-{n:06d}", community=where, category=category, requester=resident,
            title=f"R{n}", description="d", status=status, created_at=created, accepted_at=accepted,
            first_response_at=responded, resolved_at=resolved, due_date=due, rating=rating,
        )  # fmt: skip

    make(
        1, repair, S.EVALUATED, t(4, 1, 9), t(4, 1, 10), t(4, 1, 13), t(4, 2, 9), datetime.date(2026, 4, 6), 5
    )
    make(
        2,
        repair,
        S.EVALUATED,
        t(4, 10, 8),
        t(4, 10, 9),
        t(4, 10, 10),
        t(4, 15, 8),
        datetime.date(2026, 4, 12),
        2,
    )
    make(3, dispute, S.RESPONDED, t(5, 2, 10), t(5, 2, 11), t(5, 3, 10), None, datetime.date(2026, 5, 9))
    make(4, dispute, S.REJECTED, t(5, 5, 10))
    make(5, repair, S.ACCEPTED, t(5, 10, 10), t(5, 10, 12), None, None, datetime.date(2026, 5, 25))
    make(6, repair, S.RESOLVED, t(5, 12, 9), t(5, 12, 10), None, t(5, 14, 9), datetime.date(2026, 5, 15))
    make(7, repair, S.SUBMITTED, t(5, 15, 9), where=other_community)


# Computed by hand from the rows above (see the definitions in services/statistics.py):
# response hours 4, 2, 24, 48 → median 14; resolution hours 24, 120, 48 → median 48;
# overdue: R2 (resolved 15 Apr, due 12 Apr) and R3 (open, due 9 May); rate 3 resolved / 5 accepted.
EXPECTED_SUMMARY = {
    "total": 6,
    "accepted": 5,
    "resolved": 3,
    "overdue": 2,
    "median_response_hours": 14.0,
    "median_resolution_hours": 48.0,
    "average_satisfaction": 3.5,
    "resolution_rate": 0.6,
}


def test_numbers_match_the_hand_computed_fixture(fixture, community, street):
    with translation.override("en"):
        result = community_statistics(community=community, today=TODAY)
    assert {k: getattr(result.summary, k) for k in EXPECTED_SUMMARY} == EXPECTED_SUMMARY
    assert [(str(name), n) for name, n in result.by_category] == [
        ("Facility repairs", 4),
        ("Disputes between neighbours", 2),
    ]
    assert result.by_status == [
        ("Accepted", 1), ("Rejected", 1), ("Responded", 1), ("Resolved", 1), ("Evaluated", 2),
    ]  # fmt: skip
    (april_label, april), (may_label, may) = result.months
    assert (april_label, april.total, april.resolved, april.overdue) == ("2026-04", 2, 2, 1)
    assert (april.median_response_hours, april.median_resolution_hours, april.average_satisfaction) == (
        3.0,
        72.0,
        3.5,
    )
    assert april.resolution_rate == 1.0
    assert (may_label, may.total, may.accepted, may.resolved, may.overdue) == ("2026-05", 4, 3, 1, 1)
    assert (may.median_response_hours, may.median_resolution_hours, may.average_satisfaction) == (
        36.0,
        48.0,
        None,
    )
    assert may.resolution_rate == 0.3333

    by_street = street_statistics(street=street, today=TODAY)
    assert by_street.summary.total == 7
    assert [(name, s.total, s.resolved) for name, s in by_street.communities] == [
        ("幸福社区", 6, 3),
        ("和谐社区", 1, 0),
    ]


def test_xlsx_and_csv_hold_the_same_numbers(client, fixture, community, street):
    with time_machine.travel(datetime.datetime(2026, 5, 20, 12, tzinfo=SH), tick=False):
        page = client.get(reverse("community_statistics", kwargs={"community_id": community.pk}))
        xlsx = client.get(
            reverse("community_statistics_export", kwargs={"community_id": community.pk, "fmt": "xlsx"})
        )
        text = client.get(
            reverse("community_statistics_export", kwargs={"community_id": community.pk, "fmt": "csv"})
        ).content.decode("utf-8-sig")
        street_xlsx = client.get(
            reverse("street_statistics_export", kwargs={"street_id": street.pk, "fmt": "xlsx"})
        )
        street_page = client.get(reverse("street_statistics", kwargs={"street_id": street.pk}))
    assert page.status_code == 200 and street_page.status_code == 200
    assert (
        '<dd id="stat-total">6</dd>' in page.content.decode()
        and '<dd id="stat-rate">60%</dd>' in page.content.decode()
    )

    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Summary", "By category", "By status", "By month"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary == {
        "Requests": 6,
        "Accepted": 5,
        "Resolved": 3,
        "Overdue": 2,
        "Median hours to first response": 14.0,
        "Median hours to resolution": 48.0,
        "Average satisfaction": 3.5,
        "Resolution rate": 0.6,
    }
    assert list(book["By category"].iter_rows(min_row=2, values_only=True)) == [
        ("Facility repairs", 4),
        ("Disputes between neighbours", 2),
    ]
    months = list(book["By month"].iter_rows(min_row=2, values_only=True))
    assert months == [
        ("2026-04", 2, 2, 2, 1, 3.0, 72.0, 3.5, 1.0),
        ("2026-05", 4, 3, 1, 1, 36.0, 48.0, None, 0.3333),
    ]

    rows = list(csv.reader(io.StringIO(text)))
    assert ["Requests", "6"] in rows and ["Resolution rate", "0.6"] in rows and ["Overdue", "2"] in rows
    assert ["2026-05", "4", "3", "1", "1", "36.0", "48.0", "", "0.3333"] in rows

    street_book = load_workbook(io.BytesIO(street_xlsx.content))
    by_community = list(street_book["By community"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1]) for row in by_community] == [("幸福社区", 6), ("和谐社区", 1)]
