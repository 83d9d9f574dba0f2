"""公开: the numbers a community (or a street office) publishes about its requests.

Definitions, so the numbers can be checked by hand:
- *time to first response*: from submission to the first official response (or resolution),
  median in hours over the requests that have one;
- *time to resolution*: from submission to the latest resolution, median in hours;
- *overdue*: requests still being handled after their due date, plus requests resolved on a
  later day than their due date (days in the site's time zone);
- *average satisfaction*: mean of the requesters' ratings (1–5);
- *resolution rate*: resolved ÷ accepted, over requests that were accepted;
- *months*: by the month the request was submitted.

One query reads the rows; the arithmetic is plain Python, so a street with thousands of requests
is still one round trip.
"""

import csv
import datetime
import io
import statistics as stats
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ..exports import safe_cell
from ..models import Category, Request

FIELDS = (
    "community_id",
    "category_id",
    "status",
    "created_at",
    "accepted_at",
    "first_response_at",
    "resolved_at",
    "due_date",
    "rating",
)
HANDLING = (Request.Status.ACCEPTED, Request.Status.RESPONDED, Request.Status.ON_AGENDA)


@dataclass
class Summary:
    total: int = 0
    accepted: int = 0
    resolved: int = 0
    overdue: int = 0
    rated: int = 0
    median_response_hours: float | None = None
    median_resolution_hours: float | None = None
    average_satisfaction: float | None = None
    resolution_rate: float | None = None


@dataclass
class Statistics:
    summary: Summary
    by_category: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    months: list[tuple[str, Summary]]
    communities: list[tuple[str, Summary]] = field(default_factory=list)

    @property
    def max_category(self) -> int:
        return max([n for _, n in self.by_category] or [0]) or 1

    @property
    def max_status(self) -> int:
        return max([n for _, n in self.by_status] or [0]) or 1

    @property
    def max_month(self) -> int:
        return max([s.total for _, s in self.months] or [0]) or 1


def _hours(delta: datetime.timedelta) -> float:
    return delta.total_seconds() / 3600


def _is_overdue(row: dict, today: datetime.date) -> bool:
    due = row["due_date"]
    if due is None:
        return False
    if row["resolved_at"] is not None:
        return timezone.localdate(row["resolved_at"]) > due
    return row["status"] in HANDLING and due < today


def summarise(rows: list[dict], *, today: datetime.date) -> Summary:
    response_hours = [
        _hours((r["first_response_at"] or r["resolved_at"]) - r["created_at"])
        for r in rows
        if r["first_response_at"] or r["resolved_at"]
    ]
    resolution_hours = [_hours(r["resolved_at"] - r["created_at"]) for r in rows if r["resolved_at"]]
    accepted = [r for r in rows if r["accepted_at"]]
    resolved_of_accepted = sum(1 for r in accepted if r["resolved_at"])
    ratings = [r["rating"] for r in rows if r["rating"]]
    return Summary(
        total=len(rows),
        accepted=len(accepted),
        resolved=sum(1 for r in rows if r["resolved_at"]),
        overdue=sum(1 for r in rows if _is_overdue(r, today)),
        rated=len(ratings),
        median_response_hours=round(stats.median(response_hours), 1) if response_hours else None,
        median_resolution_hours=round(stats.median(resolution_hours), 1) if resolution_hours else None,
        average_satisfaction=round(sum(ratings) / len(ratings), 2) if ratings else None,
        resolution_rate=round(resolved_of_accepted / len(accepted), 4) if accepted else None,
    )


def statistics_for(
    *, queryset, today: datetime.date | None = None, community_names: dict | None = None
) -> Statistics:
    """Statistics over ``queryset`` (a community's or a street's requests)."""
    today = today or timezone.localdate()
    rows = list(queryset.values(*FIELDS))
    categories = {c.pk: c.name for c in Category.objects.all()}
    per_category = Counter(r["category_id"] for r in rows)
    per_status = Counter(r["status"] for r in rows)
    months: OrderedDict[str, list] = OrderedDict()
    for row in sorted(rows, key=lambda r: r["created_at"]):
        months.setdefault(timezone.localtime(row["created_at"]).strftime("%Y-%m"), []).append(row)
    result = Statistics(
        summary=summarise(rows, today=today),
        by_category=[(name, per_category[pk]) for pk, name in categories.items() if per_category[pk]],
        by_status=[
            (str(label), per_status[value]) for value, label in Request.Status.choices if per_status[value]
        ],
        months=[(month, summarise(month_rows, today=today)) for month, month_rows in months.items()],
    )
    if community_names is not None:
        per_community: dict[int, list] = {pk: [] for pk in community_names}
        for row in rows:
            per_community.setdefault(row["community_id"], []).append(row)
        result.communities = [
            (community_names.get(pk, str(pk)), summarise(community_rows, today=today))
            for pk, community_rows in per_community.items()
        ]
    return result


def community_statistics(*, community, today=None) -> Statistics:
    return statistics_for(queryset=Request.objects.filter(community=community), today=today)


def street_statistics(*, street, today=None) -> Statistics:
    from cms.models import CommunityPage

    communities = dict(CommunityPage.objects.child_of(street).values_list("pk", "title"))
    return statistics_for(
        queryset=Request.objects.filter(community_id__in=list(communities)),
        today=today,
        community_names=communities,
    )


# --- exports -----------------------------------------------------------------------------------


def _summary_columns():
    return [
        ("total", _("Requests")),
        ("accepted", pgettext("request status", "Accepted")),
        ("resolved", pgettext("request status", "Resolved")),
        ("overdue", _("Overdue")),
        ("median_response_hours", _("Median hours to first response")),
        ("median_resolution_hours", _("Median hours to resolution")),
        ("average_satisfaction", _("Average satisfaction")),
        ("resolution_rate", _("Resolution rate")),
    ]


def _tables(result: Statistics) -> list[tuple[str, list[list]]]:
    """The export as named tables: the same numbers in CSV and in .xlsx."""
    columns = _summary_columns()
    summary = [[_("Measure"), _("Value")]] + [[label, getattr(result.summary, key)] for key, label in columns]
    tables = [
        (_("Summary"), summary),
        (_("By category"), [[_("Category"), _("Requests")]] + [list(row) for row in result.by_category]),
        (_("By status"), [[_("Status"), _("Requests")]] + [list(row) for row in result.by_status]),
        (
            _("By month"),
            [[_("Month")] + [label for _key, label in columns]]
            + [[month] + [getattr(s, key) for key, _label in columns] for month, s in result.months],
        ),
    ]
    if result.communities:
        tables.append(
            (
                _("By community"),
                [[_("Community")] + [label for _key, label in columns]]
                + [[name] + [getattr(s, key) for key, _label in columns] for name, s in result.communities],
            )
        )
    return tables


def statistics_csv(result: Statistics) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for title, rows in _tables(result):
        writer.writerow([safe_cell(title)])
        writer.writerows([[safe_cell("" if v is None else v) for v in row] for row in rows])
        writer.writerow([])
    return "\ufeff" + out.getvalue()  # a BOM so Excel opens the Chinese text correctly


def statistics_xlsx(result: Statistics) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in _tables(result):
        sheet = book.create_sheet(title=str(title)[:31])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
