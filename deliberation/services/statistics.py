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

from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ..exports import safe_cell
from ..models import Category, CommunityFigures, Request, RequestEvent

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
#
# Each community's figures are summed by the database into its summary (``CommunityFigures``): by
# month of submission, by status and by category, as counts and sums (never averages, which do
# not add up). A page adds up the summaries of its communities — a handful of rows each, however
# many requests — and asks the database live only for what depends on the day (overdue). A
# summary that no longer matches its requests is recomputed when read (``_figures``).

#: The summable figures of a month: counts, and the sums and counts behind the two averages.
SUMS = (
    "total",
    "waiting",
    "rejected",
    "accepted",
    "resolved",
    "escalated",
    "response_n",
    "response_s",
    "resolution_n",
    "resolution_s",
    "evaluations",
    "rating_sum",
)


def _since_submission(field_name: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(field_name) - F("created_at"), output_field=DurationField())


def _request_sums() -> dict:
    """Every summable request figure as one aggregate each, so any grouping is a single query."""
    handling = Q(status__in=Request.HANDLING_STATUSES)
    resolved = Q(status__in=Request.RESOLVED_STATUSES)
    responded = Q(first_response_at__isnull=False)
    resolved_at = resolved & Q(resolved_at__isnull=False)
    return {
        "total": Count("pk"),
        "waiting": Count("pk", filter=Q(status=Status.SUBMITTED)),
        "rejected": Count("pk", filter=Q(status=Status.REJECTED)),
        "accepted": Count("pk", filter=handling | resolved),
        "resolved": Count("pk", filter=resolved),
        "escalated": Count("pk", filter=Q(escalated_at__isnull=False)),
        "response_n": Count("pk", filter=responded),
        "response_s": Sum(_since_submission("first_response_at"), filter=responded),
        "resolution_n": Count("pk", filter=resolved_at),
        "resolution_s": Sum(_since_submission("resolved_at"), filter=resolved_at),
    }


def _seconds(value) -> float:
    return value.total_seconds() if isinstance(value, datetime.timedelta) else float(value or 0)


def _month(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m")


def figures_compute(community_ids: list[int]) -> dict[int, dict]:
    """The communities' summaries, from their requests and timeline: four queries, for any number
    of communities."""
    requests = Request.objects.filter(community_id__in=community_ids).order_by()
    result = {c: {"months": {}, "statuses": {}, "categories": {}} for c in community_ids}
    rows = (
        requests.annotate(month=TruncMonth("created_at"))
        .values("community_id", "month")
        .annotate(**_request_sums())
    )
    for row in rows:
        sums = dict.fromkeys(SUMS, 0) | {k: row[k] for k in _request_sums()}
        sums["response_s"], sums["resolution_s"] = (
            _seconds(sums["response_s"]),
            _seconds(sums["resolution_s"]),
        )
        result[row["community_id"]]["months"][_month(row["month"])] = sums
    # Every evaluation ever given (one ``evaluated`` event each: a reopening clears the request's
    # own rating), in the month its request was submitted.
    evaluations = (
        RequestEvent.objects.filter(
            kind=RequestEvent.Kind.EVALUATED, rating__isnull=False, request__community_id__in=community_ids
        )
        .annotate(month=TruncMonth("request__created_at"))
        .values("request__community_id", "month")
        .annotate(n=Count("pk"), stars=Sum("rating"))
        .order_by()
    )
    for row in evaluations:
        months = result[row["request__community_id"]]["months"]
        sums = months.setdefault(_month(row["month"]), dict.fromkeys(SUMS, 0))
        sums["evaluations"], sums["rating_sum"] = row["n"], row["stars"] or 0
    for community_id, status, n in (
        requests.values("community_id", "status")
        .annotate(n=Count("pk"))
        .values_list("community_id", "status", "n")
    ):
        result[community_id]["statuses"][status] = n
    for community_id, category, n in (
        requests.values("community_id", "category_id")
        .annotate(n=Count("pk"))
        .values_list("community_id", "category_id", "n")
    ):
        result[community_id]["categories"][str(category)] = n
    return result


#: How far behind the newest timeline event a current summary's mark may fall before it is moved up.
EVENT_MARK_SLACK = 1000


def _figures(community_ids: list[int]) -> dict[int, CommunityFigures]:
    """The communities' summaries, each recomputed first if it no longer matches its requests.

    Three queries when all are current: the summaries, the communities' request counts and highest
    ids (an index-only scan), and the timeline events written since the oldest summary."""
    latest = RequestEvent.objects.aggregate(top=Max("pk"))["top"] or 0  # read before the check
    stored = {f.community_id: f for f in CommunityFigures.objects.filter(community_id__in=community_ids)}
    current = {
        row["community_id"]: (row["n"], row["top"])
        for row in Request.objects.filter(community_id__in=community_ids)
        .values("community_id")
        .annotate(n=Count("pk"), top=Max("pk"))
        .order_by()
    }
    oldest = min((f.event_mark for f in stored.values()), default=0)
    newest = (
        RequestEvent.objects.filter(pk__gt=oldest, request__community_id__in=list(stored))
        .values("request__community_id")
        .annotate(top=Max("pk"))
        .order_by()
    )
    changed = {
        row["request__community_id"]
        for row in newest
        if row["top"] > stored[row["request__community_id"]].event_mark
    }
    still = [c for c, f in stored.items() if c not in changed and f.event_mark < latest - EVENT_MARK_SLACK]
    if still:
        # Current summaries: nothing of theirs since ``latest``, so the next check starts there and
        # reads only the events written after it, not a quiet community's years of the city's.
        CommunityFigures.objects.filter(pk__in=still).update(event_mark=latest)
    stale = []
    for community_id in community_ids:
        figures = stored.get(community_id)
        count, top = current.get(community_id, (0, 0))
        if (
            figures is None
            or community_id in changed
            or (figures.request_count, figures.request_mark) != (count, top or 0)
        ):
            stale.append(
                CommunityFigures(community_id=community_id, request_count=count, request_mark=top or 0)
            )
    if stale:
        computed = figures_compute([f.community_id for f in stale])
        for figures in stale:
            figures.event_mark = latest
            figures.computed_at = timezone.now()
            for key, value in computed[figures.community_id].items():
                setattr(figures, key, value)
            stored[figures.community_id] = figures
        fields = [
            "request_count",
            "request_mark",
            "event_mark",
            "computed_at",
            "months",
            "statuses",
            "categories",
        ]
        CommunityFigures.objects.bulk_create(
            stale, update_conflicts=True, unique_fields=["community"], update_fields=fields
        )
    return stored


def _add(total: dict, sums: dict) -> dict:
    for key in SUMS:
        total[key] = total.get(key, 0) + sums.get(key, 0)
    return total


def _summary(sums: dict, overdue: int = 0) -> Summary:
    accepted, resolved = sums.get("accepted", 0), sums.get("resolved", 0)
    evaluations = sums.get("evaluations", 0)

    def hours(total_seconds, n):
        return round(total_seconds / n / 3600, 1) if n else None

    return Summary(
        total=sums.get("total", 0),
        waiting=sums.get("waiting", 0),
        rejected=sums.get("rejected", 0),
        accepted=accepted,
        resolved=resolved,
        resolution_rate=round(100 * resolved / accepted, 1) if accepted else None,
        overdue=overdue,
        escalated=sums.get("escalated", 0),
        average_response_hours=hours(sums.get("response_s", 0), sums.get("response_n", 0)),
        average_resolution_hours=hours(sums.get("resolution_s", 0), sums.get("resolution_n", 0)),
        evaluations=evaluations,
        average_satisfaction=round(sums.get("rating_sum", 0) / evaluations, 2) if evaluations else None,
    )


def statistics_for(
    *, community_ids: list[int], today: datetime.date | None = None, community_names: dict | None = None
) -> Statistics:
    """Statistics over the requests of ``community_ids`` (a community, a street's communities).

    A fixed handful of queries however many requests and communities there are: the summaries
    (``_figures``), the overdue requests (by community and month, live: they depend on the day)
    and the categories' names."""
    today = today or timezone.localdate()
    figures = _figures(community_ids)
    overdue_rows = (
        Request.objects.filter(Request.overdue_condition(today), community_id__in=community_ids)
        .annotate(month=TruncMonth("created_at"))
        .values("community_id", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    overdue_by_community, overdue_by_month = {}, {}
    for row in overdue_rows:
        month = _month(row["month"])
        overdue_by_community[row["community_id"]] = (
            overdue_by_community.get(row["community_id"], 0) + row["n"]
        )
        overdue_by_month[month] = overdue_by_month.get(month, 0) + row["n"]

    total, months, statuses, categories, per_community = {}, {}, {}, {}, {}
    for community_id, summary in figures.items():
        community_total = {}
        for month, sums in summary.months.items():
            _add(months.setdefault(month, {}), sums)
            _add(community_total, sums)
        _add(total, community_total)
        per_community[community_id] = community_total
        for status, n in summary.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
        for category, n in summary.categories.items():
            categories[int(category)] = categories.get(int(category), 0) + n

    by_category = [
        (c.name, categories[c.pk])
        for c in Category.objects.filter(pk__in=[k for k, n in categories.items() if n]).order_by(
            "position", "id"
        )
    ]
    by_status = [(str(label), statuses[value]) for value, label in Status.choices if statuses.get(value)]
    result = Statistics(
        summary=_summary(total, sum(overdue_by_month.values())),
        by_category=by_category,
        by_status=by_status,
        months=[
            (month, _summary(months[month], overdue_by_month.get(month, 0)))
            for month in sorted(months)
            if months[month].get("total")
        ],
    )
    if community_names is not None:
        result.communities = [
            (name, _summary(per_community.get(pk, {}), overdue_by_community.get(pk, 0)))
            for pk, name in community_names.items()
        ]
    return result


def community_statistics(*, community, today=None) -> Statistics:
    return statistics_for(community_ids=[community.pk], today=today)


def street_statistics(*, street, today=None) -> Statistics:
    communities = dict(street.communities().values_list("pk", "title"))
    return statistics_for(community_ids=list(communities), today=today, community_names=communities)


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
