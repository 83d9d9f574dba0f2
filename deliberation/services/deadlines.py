"""Deadlines (时限): reminders before the due date, urges when overdue, escalation, auto-closing.

``deadlines_process`` is the core of ``manage.py process_deadlines``; cron or a task worker runs
it every few minutes. It is idempotent: each request records the due date it was reminded or
urged for, every row is re-checked under its lock, and every notice carries an idempotency key,
so running it twice (or twice at once) never sends the same notice twice. Days are counted in
the site's time zone (Asia/Shanghai).
"""

import datetime
import logging
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import ServiceError

from ..models import Request, RequestEvent
from ..selectors import community_workers
from .requests import record_event, request_escalate, requester_of, responsible_people, tell

Status = Request.Status
Kind = RequestEvent.Kind

logger = logging.getLogger(__name__)


def remind_days_before() -> int:
    return int(getattr(settings, "REQUEST_REMIND_DAYS_BEFORE", 1))


def escalate_after_overdue_days() -> int:
    return int(getattr(settings, "REQUEST_ESCALATE_AFTER_OVERDUE_DAYS", 3))


def evaluation_days() -> int:
    return int(getattr(settings, "REQUEST_EVALUATION_DAYS", 7))


def _lock(pk: int) -> Request:
    return Request.objects.select_for_update(of=("self",)).select_related("community", "category").get(pk=pk)


@transaction.atomic
def _remind(pk: int, today: datetime.date) -> int:
    request = _lock(pk)
    due = request.due_date
    if request.status not in Request.HANDLING_STATUSES or due is None or request.reminded_for == due:
        return 0
    if not today <= due <= today + datetime.timedelta(days=remind_days_before()):
        return 0
    request.reminded_for = due
    request.save(update_fields=["reminded_for"])
    event = record_event(
        request, Kind.REMINDED, note=_("Due %(due)s") % {"due": due.isoformat()}, from_status=request.status
    )
    tell(responsible_people(request), request, event, key=f"request:{pk}:remind:{due.isoformat()}")
    return 1


@transaction.atomic
def _urge(pk: int, today: datetime.date) -> int:
    request = _lock(pk)
    due = request.due_date
    if not request.is_overdue_on(today) or request.urged_for == due:
        return 0
    request.urged_for = due
    request.save(update_fields=["urged_for"])
    note = _("Overdue since %(due)s") % {"due": due.isoformat()}
    event = record_event(request, Kind.URGED, note=note, from_status=request.status)
    people = responsible_people(request) + list(community_workers(request.community))
    tell(people, request, event, key=f"request:{pk}:urge:{due.isoformat()}")
    return 1


def _escalate(pk: int, today: datetime.date) -> int:
    request = Request.objects.get(pk=pk)
    days = (today - request.due_date).days
    reason = _("Still open %(days)d days after the due date %(due)s.") % {
        "days": days,
        "due": request.due_date.isoformat(),
    }
    try:
        request_escalate(request=request, by=None, reason=reason)
    except ServiceError:
        return 0  # escalated or closed meanwhile
    return 1


@transaction.atomic
def _auto_close(pk: int, cutoff: datetime.datetime) -> int:
    request = _lock(pk)
    if not request.allows("auto_close") or not request.resolved_at or request.resolved_at > cutoff:
        return 0
    before = request.status
    request.status = Status.CLOSED
    request.closed_at = timezone.now()
    request.save()
    note = _("Not evaluated within %(days)d days.") % {"days": evaluation_days()}
    event = record_event(request, Kind.AUTO_CLOSED, note=note, from_status=before)
    tell(requester_of(request), request, event)
    return 1


def _one(counts: Counter, kind: str, step, pk: int, *args) -> None:
    """Run one request's step. Each step is its own transaction, so a request that fails rolls
    back alone (nothing marked done) and is logged; the others still get theirs."""
    try:
        counts[kind] += step(pk, *args)
    except Exception:
        logger.exception("Deadline step %s of request %s failed; it stays due for the next run.", kind, pk)
        counts["failed"] += 1


def deadlines_process(*, now: datetime.datetime | None = None) -> Counter:
    """Send what is due at ``now``; return how many of each kind were sent (and ``failed``)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = Counter()
    # Reminders go to every request being handled; urges and escalations to the overdue ones,
    # by the same rule that marks them overdue in the hall and in the statistics.
    handling = Request.objects.filter(status__in=Request.HANDLING_STATUSES, due_date__isnull=False)
    overdue = Request.objects.overdue(today)

    soon = today + datetime.timedelta(days=remind_days_before())
    for pk in list(
        handling.filter(due_date__gte=today, due_date__lte=soon)
        .exclude(reminded_for=F("due_date"))
        .values_list("pk", flat=True)
    ):
        _one(counts, "reminded", _remind, pk, today)

    for pk in list(overdue.exclude(urged_for=F("due_date")).values_list("pk", flat=True)):
        _one(counts, "urged", _urge, pk, today)

    limit = today - datetime.timedelta(days=escalate_after_overdue_days())
    for pk in list(
        overdue.filter(due_date__lte=limit, escalated_at__isnull=True).values_list("pk", flat=True)
    ):
        _one(counts, "escalated", _escalate, pk, today)

    cutoff = now - datetime.timedelta(days=evaluation_days())
    for pk in list(
        Request.objects.filter(
            status__in=Request.TRANSITIONS["auto_close"], resolved_at__lte=cutoff
        ).values_list("pk", flat=True)
    ):
        _one(counts, "closed", _auto_close, pk, cutoff)
    return counts
