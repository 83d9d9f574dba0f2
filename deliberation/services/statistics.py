"""公开: the numbers a community (or a street office) publishes about its requests.

Each figure is defined once, in ``FIGURES``: its label and the sentence that says exactly what it
counts. The page, the CSV and the .xlsx print that sentence beside the number, and
``docs/hall.md`` repeats it word for word, so a resident can check any number by hand.

"Overdue" is ``Request.overdue_condition``, the same rule the hall's badge and
``process_deadlines``' urges use. Evaluations are read from the timeline (one ``evaluated`` event
per evaluation given), because a reopening clears the request's own rating.

Everything is aggregated by the database (``Count``/``Avg`` with ``filter=``, ``TruncMonth``), a
fixed handful of queries whatever the number of requests: the pages are public and a street
office has thousands of requests.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cms.models import CommunityPage

from ..exports import safe_cell
from ..models import Category, Request, RequestEvent

Status = Request.Status


@dataclass(frozen=True)
class Figure:
    key: str
    label: Promise
    definition: Promise
    suffix: str = ""  # how the page writes the unit after the number


FIGURES = (
    Figure(
        "total",
        pgettext_lazy("statistics figure", "Requests"),
        gettext_lazy(
            "Every request submitted, online or recorded by a worker: all of them in the summary, "
            "those submitted in that month (Beijing time) in a month row, that community's in a "
            "community row. Every other figure counts the same requests as they stand today."
        ),
    ),
    Figure(
        "waiting",
        pgettext_lazy("statistics figure", "Awaiting acceptance"),
        gettext_lazy("Submitted and not yet accepted or rejected."),
    ),
    Figure(
        "rejected",
        pgettext_lazy("statistics figure", "Rejected"),
        gettext_lazy("Not accepted, with the reason given to the requester."),
    ),
    Figure(
        "accepted",
        pgettext_lazy("statistics figure", "Accepted"),
        gettext_lazy(
            "Accepted by a worker or put on a meeting agenda, and not rejected: the requests being "
            "handled plus the resolved ones. Requests = awaiting acceptance + rejected + accepted."
        ),
    ),
    Figure(
        "resolved",
        pgettext_lazy("statistics figure", "Resolved"),
        gettext_lazy(
            "Marked resolved by the responsible party or by a meeting's resolution and not reopened "
            "since (resolved, resolved by a meeting, evaluated or closed)."
        ),
    ),
    Figure(
        "resolution_rate",
        pgettext_lazy("statistics figure", "Resolution rate (%)"),
        gettext_lazy(
            "Resolved ÷ accepted × 100, to one decimal. Rejected requests and those awaiting "
            "acceptance are in neither number."
        ),
        suffix="%",
    ),
    Figure(
        "overdue",
        pgettext_lazy("statistics figure", "Overdue"),
        gettext_lazy(
            "Being handled (accepted, responded or on a meeting agenda) and past its due date, "
            "counting days in Beijing time. These are the same requests the hall marks overdue and "
            "the automatic deadline notices urge."
        ),
    ),
    Figure(
        "escalated",
        pgettext_lazy("statistics figure", "Escalated"),
        gettext_lazy("Passed to the street office, by a worker or automatically when long overdue."),
    ),
    Figure(
        "average_response_hours",
        pgettext_lazy("statistics figure", "Average hours to first response"),
        gettext_lazy(
            "Hours from submission to the first official answer (a response, a resolution or a "
            "meeting's resolution), averaged over the requests that have one, to one decimal."
        ),
    ),
    Figure(
        "average_resolution_hours",
        pgettext_lazy("statistics figure", "Average hours to resolution"),
        gettext_lazy(
            "Hours from submission to the latest resolution, averaged over the resolved requests, "
            "to one decimal."
        ),
    ),
    Figure(
        "evaluations",
        pgettext_lazy("statistics figure", "Evaluations"),
        gettext_lazy(
            "Every evaluation a requester gave, including the 1 or 2 stars that reopened a request; "
            "a request evaluated again after reopening counts each time."
        ),
    ),
    Figure(
        "average_satisfaction",
        pgettext_lazy("statistics figure", "Average satisfaction"),
        gettext_lazy("The mean of the stars (1 to 5) of those evaluations, to two decimals."),
        suffix=" / 5",
    ),
)


@dataclass
class Summary:
    total: int = 0
    waiting: int = 0
    rejected: int = 0
    accepted: int = 0
    resolved: int = 0
    resolution_rate: float | None = None
    overdue: int = 0
    escalated: int = 0
    average_response_hours: float | None = None
    average_resolution_hours: float | None = None
    evaluations: int = 0
    average_satisfaction: float | None = None

    def values(self) -> list:
        """The figures in ``FIGURES`` order: one table row."""
        return [getattr(self, f.key) for f in FIGURES]

    def cells(self) -> list[tuple[Figure, object]]:
        return list(zip(FIGURES, self.values(), strict=True))


@dataclass
class Statistics:
    summary: Summary
    by_category: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    months: list[tuple[str, Summary]]
    communities: list[tuple[str, Summary]] = field(default_factory=list)
    figures: tuple[Figure, ...] = FIGURES

    @property
    def max_category(self) -> int:
        return max([n for _, n in self.by_category] or [0]) or 1

    @property
    def max_status(self) -> int:
        return max([n for _, n in self.by_status] or [0]) or 1

    @property
    def max_month(self) -> int:
        return max([s.total for _, s in self.months] or [0]) or 1


# --- the figures, by the database ----------------------------------------------------------------


def _hours_since_submission(field_name: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(field_name) - F("created_at"), output_field=DurationField())


def _request_aggregates(today: datetime.date) -> dict:
    """Every request figure as one aggregate each, so any grouping is a single query."""
    handling = Q(status__in=Request.HANDLING_STATUSES)
    resolved = Q(status__in=Request.RESOLVED_STATUSES)
    return {
        "total": Count("pk"),
        "waiting": Count("pk", filter=Q(status=Status.SUBMITTED)),
        "rejected": Count("pk", filter=Q(status=Status.REJECTED)),
        "accepted": Count("pk", filter=handling | resolved),
        "resolved": Count("pk", filter=resolved),
        "overdue": Count("pk", filter=Request.overdue_condition(today)),
        "escalated": Count("pk", filter=Q(escalated_at__isnull=False)),
        "response": Avg(
            _hours_since_submission("first_response_at"), filter=Q(first_response_at__isnull=False)
        ),
        "resolution": Avg(
            _hours_since_submission("resolved_at"), filter=resolved & Q(resolved_at__isnull=False)
        ),
    }


def _evaluation_aggregates() -> dict:
    return {"evaluations": Count("pk"), "satisfaction": Avg("rating")}


def _evaluations(queryset):
    """Every evaluation ever given on the requests of ``queryset`` (see ``FIGURES``)."""
    return RequestEvent.objects.filter(
        kind=RequestEvent.Kind.EVALUATED, rating__isnull=False, request__in=queryset.values("pk")
    ).order_by()


def _hours(value: datetime.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def _summary(counts: dict, evaluations: dict | None) -> Summary:
    evaluations = evaluations or {}
    accepted, resolved = counts["accepted"], counts["resolved"]
    satisfaction = evaluations.get("satisfaction")
    return Summary(
        total=counts["total"],
        waiting=counts["waiting"],
        rejected=counts["rejected"],
        accepted=accepted,
        resolved=resolved,
        resolution_rate=round(100 * resolved / accepted, 1) if accepted else None,
        overdue=counts["overdue"],
        escalated=counts["escalated"],
        average_response_hours=_hours(counts["response"]),
        average_resolution_hours=_hours(counts["resolution"]),
        evaluations=evaluations.get("evaluations", 0),
        average_satisfaction=None if satisfaction is None else round(float(satisfaction), 2),
    )


def _month(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m")


def statistics_for(
    *, queryset, today: datetime.date | None = None, community_names: dict | None = None
) -> Statistics:
    """Statistics over ``queryset`` (a community's or a street's requests).

    Six queries (eight with ``community_names``), however many requests there are.
    """
    today = today or timezone.localdate()
    queryset = queryset.order_by()
    aggregates = _request_aggregates(today)
    evaluations = _evaluations(queryset)

    summary = _summary(queryset.aggregate(**aggregates), evaluations.aggregate(**_evaluation_aggregates()))

    categories = (
        Category.objects.filter(requests__in=queryset.values("pk"))  # before annotate: counts only these
        .annotate(n=Count("requests"))
        .order_by("position", "id")
    )
    by_category = [(c.name, c.n) for c in categories]

    per_status = dict(queryset.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    by_status = [(str(label), per_status[value]) for value, label in Status.choices if per_status.get(value)]

    month_rows = (
        queryset.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(**aggregates)
        .order_by("month")
    )
    month_evaluations = {
        row.pop("month"): row
        for row in evaluations.annotate(month=TruncMonth("request__created_at"))
        .values("month")
        .annotate(**_evaluation_aggregates())
        .order_by()
    }
    months = [
        (_month(row["month"]), _summary(row, month_evaluations.get(row["month"]))) for row in month_rows
    ]

    result = Statistics(summary=summary, by_category=by_category, by_status=by_status, months=months)
    if community_names is not None:
        per_community = {
            row.pop("community_id"): row
            for row in queryset.values("community_id").annotate(**aggregates).order_by()
        }
        community_evaluations = {
            row.pop("request__community_id"): row
            for row in evaluations.values("request__community_id").annotate(**_evaluation_aggregates())
        }
        empty = {key: 0 for key in aggregates} | {"response": None, "resolution": None}
        result.communities = [
            (name, _summary(per_community.get(pk, empty), community_evaluations.get(pk)))
            for pk, name in community_names.items()
        ]
    return result


def community_statistics(*, community, today=None) -> Statistics:
    return statistics_for(queryset=Request.objects.filter(community=community), today=today)


def street_statistics(*, street, today=None) -> Statistics:
    communities = dict(CommunityPage.objects.child_of(street).values_list("pk", "title"))
    return statistics_for(
        queryset=Request.objects.filter(community_id__in=list(communities)),
        today=today,
        community_names=communities,
    )


# --- exports -----------------------------------------------------------------------------------


def _tables(result: Statistics) -> list[tuple[str, list[list]]]:
    """The export as named tables: the same numbers in CSV and in .xlsx, each figure's definition
    beside it in the summary."""
    labels = [str(f.label) for f in result.figures]
    summary = [[_("Measure"), _("Value"), _("Definition")]] + [
        [str(f.label), value, str(f.definition)] for f, value in result.summary.cells()
    ]
    tables = [
        (_("Summary"), summary),
        (_("By category"), [[_("Category"), _("Requests")]] + [list(row) for row in result.by_category]),
        (_("By status"), [[_("Status"), _("Requests")]] + [list(row) for row in result.by_status]),
        (
            _("By month"),
            [[_("Month")] + labels] + [[month] + s.values() for month, s in result.months],
        ),
    ]
    if result.communities:
        tables.append(
            (
                _("By community"),
                [[_("Community")] + labels] + [[name] + s.values() for name, s in result.communities],
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
