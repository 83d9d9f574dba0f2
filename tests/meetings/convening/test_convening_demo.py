"""seed_demo adds a scheduled four-party meeting with its agenda and all four parties, and a
meeting whose time poll is open; a second run changes nothing."""

from meetings.demo import convening as demo
from meetings.models import Meeting, Participant, Party


def counts():
    return (
        Meeting.objects.count(),
        Participant.objects.count(),
        sum(m.agenda_items.count() for m in Meeting.objects.all()),
        sum(m.slots.count() for m in Meeting.objects.all()),
    )


def counts_in(snapshot):
    """``counts()`` as they were when ``snapshot`` (tests.demo_seed) was taken."""
    return tuple(
        len(snapshot[label])
        for label in ("meetings.Meeting", "meetings.Participant", "meetings.AgendaItem", "meetings.TimeSlot")
    )


def test_seed_demo_meetings(db, seeded_demo):
    """``seeded_demo``: seed_demo run, its rows kept in ``seeded_demo.first``, seed_demo run again."""
    scheduled = Meeting.objects.get(title=demo.SCHEDULED_TITLE)
    assert scheduled.status == Meeting.Status.SCHEDULED and scheduled.community.slug == "xingfu"
    assert scheduled.starts_at and scheduled.place
    assert set(scheduled.participants.values_list("party", flat=True)) == set(Party.values)
    emails = set(scheduled.participants.values_list("user__email", flat=True))
    assert {"committee@demo.cn", "property@demo.cn", "rep@demo.cn", "worker@demo.cn"} <= emails
    assert scheduled.participants.filter(user__isnull=True, email=demo.MANAGER_EMAIL).exists()
    assert scheduled.participants.get(user__email="worker@demo.cn").role == "chair"
    assert scheduled.agenda_items.count() >= 3
    polling = Meeting.objects.get(title=demo.POLLING_TITLE)
    assert polling.status == Meeting.Status.POLLING and polling.slots.count() == 3
    before = counts_in(seeded_demo.first)
    assert counts() == before


def test_seed_demo_agenda_comes_from_requests(db, seeded_demo):
    from deliberation.models import Request

    scheduled = Meeting.objects.get(title=demo.SCHEDULED_TITLE)
    items = list(scheduled.agenda_items.prefetch_related("requests"))
    linked = [request for item in items for request in item.requests.all()]
    assert len(linked) == len(items) >= 3
    assert all(r.status == Request.Status.ON_AGENDA for r in linked)
    assert linked[0].proposed_at is not None, "requests proposed for the meeting come first"
