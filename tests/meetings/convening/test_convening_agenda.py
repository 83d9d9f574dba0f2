"""Agenda from the hall's requests: proposed ones suggested first; linking moves a request to
"on the agenda" with a timeline event; requests of another community or closed ones are refused."""

import pytest
from django.utils import timezone

from cms.services import ServiceError
from deliberation.models import Category, Request, RequestEvent, Role
from deliberation.services.requests import request_submit
from meetings.services import convening
from tests.factories import in_english, make_member

pytestmark = pytest.mark.usefixtures("english_service_messages")


@pytest.fixture
def submit(community):
    category = Category.objects.order_by("position").first() or Category.objects.create(
        name_zh="其他", name_en="Other", default_party="community", sla_days=7
    )

    def _submit(title, *, on=None, proposed=False):
        on = on or community
        request = request_submit(
            community=on,
            by=make_member(on, role=Role.RESIDENT),
            title=title,
            description=f"{title}，请处理。",
            category=category,
        )
        if proposed:
            Request.objects.filter(pk=request.pk).update(proposed_at=timezone.now())
            request.refresh_from_db()
        return request

    return _submit


def test_proposed_requests_are_suggested_first(draft, submit):
    plain = submit("小区绿化")
    proposed = submit("电梯故障", proposed=True)
    suggestions = list(convening.suggested_requests(draft))
    assert suggestions[:2] == [proposed, plain]


def test_linking_puts_request_on_agenda_with_timeline_event(draft, convener, submit):
    request = submit("电梯故障", proposed=True)
    (item,) = convening.agenda_items_from_requests(meeting=draft, by=convener, requests=[request])
    request.refresh_from_db()
    assert request.status == Request.Status.ON_AGENDA
    assert list(item.requests.all()) == [request] and item.title == "电梯故障"
    event = RequestEvent.objects.filter(request=request).order_by("-pk").first()
    assert event.kind == RequestEvent.Kind.ON_AGENDA and draft.title in event.note
    assert request not in convening.suggested_requests(draft)
    # Linking again (to another item) adds no second event.
    events = RequestEvent.objects.filter(request=request).count()
    other = convening.agenda_item_add(meeting=draft, by=convener, title="其他")
    convening.agenda_item_link_requests(item=other, by=convener, requests=[request])
    assert RequestEvent.objects.filter(request=request).count() == events


def test_request_of_another_community_is_refused(draft, convener, submit, other_community):
    foreign = submit("别的社区的诉求", on=other_community)
    item = convening.agenda_item_add(meeting=draft, by=convener, title="议题")
    with pytest.raises(ServiceError, match="another community"):
        convening.agenda_item_link_requests(item=item, by=convener, requests=[foreign])
    foreign.refresh_from_db()
    assert foreign.status == Request.Status.SUBMITTED and not item.requests.exists()


def test_closed_request_is_refused_and_nothing_changes(draft, convener, submit):
    good, closed = submit("好的"), submit("已关闭")
    Request.objects.filter(pk=closed.pk).update(status=Request.Status.CLOSED)
    with pytest.raises(ServiceError):
        convening.agenda_items_from_requests(meeting=draft, by=convener, requests=[good, closed])
    good.refresh_from_db()
    assert good.status == Request.Status.SUBMITTED
    assert not draft.agenda_items.exists()


def test_agenda_from_requests_page(client, draft, convener, submit):
    proposed = submit("电梯故障", proposed=True)
    in_english(client).force_login(convener)
    html = client.get(f"/meetings/{draft.pk}/").content.decode()
    assert "From the hall's requests" in html and "proposed for the meeting" in html
    client.post(f"/meetings/{draft.pk}/agenda/from-requests/", {"request": [proposed.pk]})
    proposed.refresh_from_db()
    assert proposed.status == Request.Status.ON_AGENDA
    html = client.get(f"/meetings/{draft.pk}/").content.decode()
    assert proposed.get_absolute_url() in html


def test_removing_the_item_takes_the_request_off_the_agenda(draft, convener, submit):
    request = submit("电梯故障", proposed=True)
    (first,) = convening.agenda_items_from_requests(meeting=draft, by=convener, requests=[request])
    second = convening.agenda_item_add(meeting=draft, by=convener, title="电梯（续）")
    convening.agenda_item_link_requests(item=second, by=convener, requests=[request])

    convening.agenda_item_remove(item=first, by=convener)
    request.refresh_from_db()
    assert request.status == Request.Status.ON_AGENDA  # still on the second item

    convening.agenda_item_remove(item=second, by=convener)
    request.refresh_from_db()
    assert request.status == Request.Status.SUBMITTED  # back to where it was
    event = RequestEvent.objects.filter(request=request).order_by("-pk").first()
    assert (event.kind, event.from_status, event.to_status) == ("off_agenda", "on_agenda", "submitted")
    assert request in convening.suggested_requests(draft)


def test_cancelling_the_meeting_releases_its_requests(ready, convener, submit, community):
    request = submit("停车收费")
    convening.agenda_items_from_requests(meeting=ready, by=convener, requests=[request])
    convening.meeting_cancel(meeting=ready, by=convener, reason="改期")
    request.refresh_from_db()
    assert request.status == Request.Status.SUBMITTED
    assert RequestEvent.objects.filter(request=request, kind=RequestEvent.Kind.OFF_AGENDA).count() == 1
