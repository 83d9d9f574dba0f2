"""process_deadlines with frozen time: each reminder, urge, escalation and closing happens once."""

import datetime
import io
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from deliberation.models import Notification, Request, RequestEvent
from deliberation.selectors import hall_url
from deliberation.services.deadlines import deadlines_process
from deliberation.services.requests import request_accept, request_resolve

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2026, 5, day, hour, 0, tzinfo=SHANGHAI)


def run_twice(django_capture_on_commit_callbacks) -> list[str]:
    outputs = []
    for _ in range(2):
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("process_deadlines", stdout=out)
        outputs.append(out.getvalue().strip())
    return outputs


def events(request, kind):
    return RequestEvent.objects.filter(request=request, kind=kind).count()


def test_each_notice_is_sent_once(
    submit, worker, property_staff, street_officer, django_capture_on_commit_callbacks
):
    # The notices of the set-up are queued at commit, as in the product (the deadlines' sweep
    # would otherwise send them as lost deliveries).
    with time_machine.travel(at(1), tick=False), django_capture_on_commit_callbacks(execute=True):
        request = request_accept(request=submit(), by=worker, due_date=datetime.date(2026, 5, 6))
        untouched = request_accept(request=submit(), by=worker, due_date=datetime.date(2026, 5, 30))

    mail.outbox.clear()
    # 5 May, 23:30 Shanghai (15:30 UTC): the day before the due date — a reminder to the company.
    with time_machine.travel(at(5, 23) + datetime.timedelta(minutes=30), tick=False):
        assert run_twice(django_capture_on_commit_callbacks) == [
            "reminded=1, urged=0, escalated=0, closed=0, owners_votes_reminded=0, owners_votes_closed=0, deliveries_requeued=0, meetings_reminded=0",
            "reminded=0, urged=0, escalated=0, closed=0, owners_votes_reminded=0, owners_votes_closed=0, deliveries_requeued=0, meetings_reminded=0",
        ]
    assert [m.to for m in mail.outbox] == [[property_staff.email]]
    assert events(request, "reminded") == 1

    # 7 May: overdue — one urge to the company and the workers.
    mail.outbox.clear()
    with time_machine.travel(at(7), tick=False):
        assert (
            run_twice(django_capture_on_commit_callbacks)[0]
            == "reminded=0, urged=1, escalated=0, closed=0, owners_votes_reminded=0, owners_votes_closed=0, deliveries_requeued=0, meetings_reminded=0"
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([property_staff.email, worker.email])
    assert events(request, "urged") == 1

    # 9 May: 3 days overdue — escalated to the street office, once.
    mail.outbox.clear()
    with time_machine.travel(at(9), tick=False):
        assert run_twice(django_capture_on_commit_callbacks) == [
            "reminded=0, urged=0, escalated=1, closed=0, owners_votes_reminded=0, owners_votes_closed=0, deliveries_requeued=0, meetings_reminded=0",
            "reminded=0, urged=0, escalated=0, closed=0, owners_votes_reminded=0, owners_votes_closed=0, deliveries_requeued=0, meetings_reminded=0",
        ]
    request.refresh_from_db()
    assert request.escalated_at == at(9) and "2026-05-06" in request.escalation_reason
    assert sorted(m.to[0] for m in mail.outbox) == sorted([street_officer.email, worker.email])
    assert (events(request, "reminded"), events(request, "urged"), events(request, "escalated")) == (1, 1, 1)
    notices = Notification.objects.filter(user=property_staff, url=request.get_absolute_url())
    assert notices.count() == 3  # accepted, reminded, urged
    assert RequestEvent.objects.filter(request=untouched).count() == 2  # submitted, accepted

    # Resolved on 10 May, not evaluated: closed on 17 May, once.
    with time_machine.travel(at(10), tick=False), django_capture_on_commit_callbacks(execute=True):
        request_resolve(request=request, by=property_staff)
    with time_machine.travel(at(17, 8), tick=False):
        assert (
            run_twice(django_capture_on_commit_callbacks)[0]
            == "reminded=0, urged=0, escalated=0, closed=0, owners_votes_reminded=0, owners_votes_closed=0, deliveries_requeued=0, meetings_reminded=0"
        )
    with time_machine.travel(at(17, 10), tick=False):
        assert run_twice(django_capture_on_commit_callbacks) == [
            "reminded=0, urged=0, escalated=0, closed=1, owners_votes_reminded=0, owners_votes_closed=0, deliveries_requeued=0, meetings_reminded=0",
            "reminded=0, urged=0, escalated=0, closed=0, owners_votes_reminded=0, owners_votes_closed=0, deliveries_requeued=0, meetings_reminded=0",
        ]
    request.refresh_from_db()
    assert request.status == Request.Status.CLOSED and request.closed_without_evaluation
    assert events(request, "auto_closed") == 1


def test_reopened_request_gets_new_notices(submit, worker, property_staff):
    """A new due date after reopening is a new deadline: reminded and urged again."""
    from deliberation.services.requests import request_evaluate

    with time_machine.travel(at(1), tick=False):
        request = request_accept(request=submit(), by=worker, due_date=datetime.date(2026, 5, 2))
    with time_machine.travel(at(3), tick=False):
        assert deadlines_process()["urged"] == 1
        request_resolve(request=request, by=property_staff)
        request_evaluate(request=request, by=request.requester, rating=1, comment="没修好")
    request.refresh_from_db()
    assert request.due_date == datetime.date(2026, 5, 8)  # reopened with the category's 5 days
    with time_machine.travel(at(9), tick=False):
        counts = deadlines_process(now=at(9))
        assert counts["urged"] == 1
        assert deadlines_process(now=at(9))["urged"] == 0
    assert events(request, "urged") == 2


# --- one meaning of "overdue" ------------------------------------------------------------------


def test_overdue_means_the_same_in_the_hall_the_statistics_and_the_urges(
    client, submit, worker, property_staff, community, django_capture_on_commit_callbacks
):
    """A request on a meeting agenda past its due date is overdue everywhere, and urged; a
    resolved, rejected or waiting one is overdue nowhere, however late it was."""
    from django.urls import reverse

    from deliberation.services.requests import (
        request_close,
        request_evaluate,
        request_reject,
        request_resolve_by_meeting,
        request_respond,
    )
    from meetings.services.convening import agenda_items_from_requests, meeting_create

    made = {}
    with time_machine.travel(at(1), tick=False), django_capture_on_commit_callbacks(execute=True):
        for title in (
            "late_accepted", "late_responded", "late_on_agenda", "due_today", "due_later", "resolved_late",
            "evaluated", "closed", "by_meeting", "rejected", "waiting", "waiting_on_agenda",
        ):  # fmt: skip
            made[title] = submit(title=title)

        def accept(title, day):
            made[title] = request_accept(request=made[title], by=worker, due_date=datetime.date(2026, 5, day))

        accept("late_accepted", 7)  # overdue on 8 May in Beijing, though still 7 May in UTC at 07:00
        for title in ("late_responded", "late_on_agenda", "by_meeting"):
            accept(title, 5)
        accept("due_today", 8)
        accept("due_later", 20)
        for title in ("resolved_late", "evaluated", "closed"):
            accept(title, 3)
        request_respond(request=made["late_responded"], by=property_staff, body="在办")
        request_reject(request=made["rejected"], by=worker, reason="不属于社区事务")
        meeting = meeting_create(community=community, by=worker, title="五月四方会议")
        on_agenda = [made[t] for t in ("late_on_agenda", "by_meeting", "waiting_on_agenda")]
        agenda_items_from_requests(meeting=meeting, by=worker, requests=on_agenda)
    with time_machine.travel(at(6), tick=False), django_capture_on_commit_callbacks(execute=True):
        for title in ("resolved_late", "evaluated", "closed"):
            request_resolve(request=made[title], by=property_staff)
        for title in ("evaluated", "closed"):
            request_evaluate(request=made[title], by=made[title].requester, rating=4)
        request_close(request=made["closed"], by=worker)
        request_resolve_by_meeting(request=made["by_meeting"], by=worker, resolution_title="决议", url="/m/")
    statuses = dict(Request.objects.values_list("title", "status"))
    assert statuses["late_on_agenda"] == statuses["waiting_on_agenda"] == Request.Status.ON_AGENDA
    overdue = {"late_accepted", "late_responded", "late_on_agenda"}

    with time_machine.travel(at(8, 7), tick=False):
        hall = client.get(hall_url(community), {"flag": "overdue"})
        listed = set(re.findall(r"<strong>(\w+)</strong>", hall.content.decode()))
        rows = client.get(hall_url(community)).content.decode()
        badged = {
            title
            for title, row in re.findall(r"<strong>(\w+)</strong></a>(.*?)</li>", rows, re.S)
            if '<span class="bad">overdue</span>' in row
        }
        detail = {
            title
            for title, r in made.items()
            if '<span class="bad">overdue</span>' in client.get(r.get_absolute_url()).content.decode()
        }
        stats = client.get(reverse("community_statistics", kwargs={"community_id": community.pk}))
        counted = int(re.search(r'<dd id="stat-overdue">(\d+)</dd>', stats.content.decode()).group(1))
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("process_deadlines", stdout=out)
    urged = set(
        RequestEvent.objects.filter(kind=RequestEvent.Kind.URGED).values_list("request__title", flat=True)
    )
    assert listed == badged == detail == urged == overdue
    assert counted == len(overdue)
    assert (
        out.getvalue().strip()
        == "reminded=1, urged=3, escalated=2, closed=0, owners_votes_reminded=0, owners_votes_closed=0, deliveries_requeued=0, meetings_reminded=0"
    )
    escalated = set(Request.objects.filter(escalated_at__isnull=False).values_list("title", flat=True))
    assert escalated == {"late_responded", "late_on_agenda"}  # three days past 5 May
    assert Request.objects.overdue(datetime.date(2026, 5, 8)).count() == 3


def test_a_request_that_fails_is_logged_left_due_and_the_others_still_run(
    submit, worker, property_staff, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    """One bad request must not stop the loop, nor be marked reminded when its notice failed."""
    from deliberation.services import deadlines

    with time_machine.travel(at(1), tick=False):
        bad = request_accept(request=submit(title="坏的"), by=worker, due_date=datetime.date(2026, 5, 6))
        good = request_accept(request=submit(title="好的"), by=worker, due_date=datetime.date(2026, 5, 6))
    real_tell = deadlines.tell

    def tell(users, request, event, **kwargs):
        if request.pk == bad.pk:
            raise UnicodeEncodeError("utf-8", "坏", 0, 1, "stored text the template cannot take")
        return real_tell(users, request, event, **kwargs)

    monkeypatch.setattr(deadlines, "tell", tell)
    with time_machine.travel(at(5, 23), tick=False):
        out, err = io.StringIO(), io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("process_deadlines", stdout=out, stderr=err)
    assert out.getvalue().strip().startswith("reminded=1,")
    assert "1 request(s) failed" in err.getvalue()
    assert f"request {bad.pk} failed" in caplog.text
    assert Request.objects.get(pk=good.pk).reminded_for == datetime.date(2026, 5, 6)
    assert Request.objects.get(pk=bad.pk).reminded_for is None
    assert events(bad, "reminded") == 0 and events(good, "reminded") == 1

    monkeypatch.setattr(deadlines, "tell", real_tell)
    with time_machine.travel(at(5, 23), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("process_deadlines", stdout=io.StringIO())
    assert Request.objects.get(pk=bad.pk).reminded_for == datetime.date(2026, 5, 6)
    assert events(bad, "reminded") == 1 and events(good, "reminded") == 1
