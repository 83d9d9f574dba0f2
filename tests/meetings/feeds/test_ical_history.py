"""Property: across any history of a meeting the UID never changes, SEQUENCE rises strictly with
every change of time, place, title or status, and stays put for RSVPs and agenda edits. The file
mailed after each change carries exactly the meeting's current SEQUENCE."""

from datetime import timedelta

import pytest
from django.core import mail as django_mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings import ical
from meetings import mail as meeting_mail
from meetings.models import Meeting
from meetings.services import convening, rsvp
from tests.factories import soon

from .ical_checks import check_itip, only_event

pytestmark = pytest.mark.usefixtures("english_service_messages")

operation = st.one_of(
    st.tuples(st.just("time"), st.integers(min_value=1, max_value=24 * 60)),
    st.tuples(st.just("place"), st.sampled_from(["党群服务中心", "社区会议室", "3号楼架空层"])),
    st.tuples(st.just("title"), st.sampled_from(["四方会议", "电梯专题会", "停车协调会"])),
    st.tuples(
        st.just("rsvp"), st.tuples(st.integers(0, 3), st.sampled_from(["ACCEPTED", "TENTATIVE", "DECLINED"]))
    ),
    st.tuples(st.just("agenda"), st.sampled_from(["垃圾分类", "绿化养护"])),
)


def mailed_calendar():
    message = django_mail.outbox[-1].message()
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_payload(decode=True), part.get_param("method")
    raise AssertionError("no calendar part")


def test_uid_constant_and_sequence_rising(ready, convener, django_capture_on_commit_callbacks):
    template = list(ready.participants.all())

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(ops=st.lists(operation, min_size=1, max_size=8), cancel_at_end=st.booleans())
    def run(ops, cancel_at_end):
        starts, ends = soon(days=3)
        meeting = convening.meeting_create(
            community=ready.community,
            by=convener,
            title="四方会议",
            place="党群服务中心",
            starts_at=starts,
            ends_at=ends,
        )
        for p in template:
            convening.participant_add(
                meeting=meeting,
                by=convener,
                user=p.user,
                name=p.name,
                email=p.email,
                party=p.party,
                role=p.role,
            )
        with django_capture_on_commit_callbacks(execute=True):
            meeting = convening.meeting_schedule(meeting=meeting, by=convener)
        data, method = mailed_calendar()
        uid = only_event(data)["UID"]
        history = [int(only_event(data)["SEQUENCE"])]
        assert history[0] == meeting.sequence and method == "REQUEST"
        participants = list(meeting.participants.order_by("pk"))
        for kind, value in ops:
            before = Meeting.objects.get(pk=meeting.pk).sequence
            sent_before = len(django_mail.outbox)
            with django_capture_on_commit_callbacks(execute=True):
                if kind == "time":
                    new_start = starts + timedelta(minutes=value * 5)
                    changed = new_start != meeting.starts_at
                    meeting = convening.meeting_update(
                        meeting=meeting,
                        by=convener,
                        starts_at=new_start,
                        ends_at=new_start + timedelta(hours=2),
                    )
                elif kind in ("place", "title"):
                    changed = getattr(meeting, kind) != value
                    meeting = convening.meeting_update(meeting=meeting, by=convener, **{kind: value})
                elif kind == "rsvp":
                    index, partstat = value
                    rsvp.participant_rsvp(participant=participants[index], partstat=partstat)
                    changed = False
                else:
                    convening.agenda_item_add(meeting=meeting, by=convener, title=value)
                    changed = False
            after = Meeting.objects.get(pk=meeting.pk).sequence
            if changed:
                assert after > before
                data, method = mailed_calendar()
                check_itip(data, method="REQUEST")
                event = only_event(data)
                assert method == "REQUEST" and event["UID"] == uid and event["SEQUENCE"] == after
                history.append(after)
            else:
                assert after == before, f"{kind} must not raise SEQUENCE"
                assert len(django_mail.outbox) == sent_before, f"{kind} sends nothing"
            current = only_event(
                meeting_mail.meeting_calendar(Meeting.objects.get(pk=meeting.pk), method=ical.REQUEST)
            )
            assert current["UID"] == uid and current["SEQUENCE"] == after
        if cancel_at_end:
            with django_capture_on_commit_callbacks(execute=True):
                meeting = convening.meeting_cancel(meeting=meeting, by=convener)
            data, method = mailed_calendar()
            check_itip(data, method="CANCEL")
            event = only_event(data)
            assert method == "CANCEL" and event["UID"] == uid
            history.append(int(event["SEQUENCE"]))
        assert history == sorted(set(history)), "SEQUENCE rises strictly across the meeting's history"

    run()
