"""Meeting pages end to end through the test client: forms, errors shown, services called."""

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from meetings.models import Meeting, Participant, SlotAnswer
from meetings.selectors import meetings_url
from tests.factories import in_english, soon

pytestmark = pytest.mark.usefixtures("english_service_messages")


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_worker_convenes_and_page_names_missing_party(client, community, convener):
    in_english(client).force_login(convener)
    starts, ends = soon()
    response = client.post(
        meetings_url(community, "meeting_create"),
        {
            "title": "四方会议",
            "kind": "four_party",
            "place": "党群服务中心",
            "starts_at": local(starts),
            "ends_at": local(ends),
            "visibility": "public",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    client.post(
        f"/meetings/{meeting.pk}/participants/",
        {"member": convener.pk, "party": "community", "role": "chair", "votes": "on"},
    )
    client.post(
        f"/meetings/{meeting.pk}/participants/",
        {
            "name": "刘经理",
            "email": "m@wuye.example",
            "party": "property",
            "role": "member",
            "language": "zh-hans",
        },
    )
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Invitations cannot be sent yet" in html
    missing = html.split("Invitations cannot be sent yet", 1)[1].split("</p>", 1)[0]
    assert "Owners&#x27; committee" in missing and "Resident representatives" in missing
    assert "Property company" not in missing
    response = client.post(
        f"/meetings/{meeting.pk}/invite/", {"starts_at": local(starts), "ends_at": local(ends)}, follow=True
    )
    assert "Missing: Owners" in response.content.decode()
    assert Meeting.objects.get().status == Meeting.Status.DRAFT and django_mail.outbox == []


def test_form_errors_end_before_start(client, community, convener):
    in_english(client).force_login(convener)
    starts, ends = soon()
    response = client.post(
        meetings_url(community, "meeting_create"),
        {
            "title": "会",
            "kind": "four_party",
            "starts_at": local(ends),
            "ends_at": local(starts),
            "visibility": "public",
        },
    )
    assert response.status_code == 200
    assert "The meeting must end after it starts." in response.content.decode()
    assert not Meeting.objects.exists()


def test_invite_poll_and_cancel_through_pages(client, ready, convener):
    in_english(client).force_login(convener)
    one, two = soon(5), soon(6)
    response = client.post(
        f"/meetings/{ready.pk}/poll/",
        {"start_1": local(one[0]), "end_1": local(one[1]), "start_2": local(two[0]), "end_2": local(two[1])},
    )
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.status == Meeting.Status.POLLING and ready.slots.count() == 2
    slot = ready.slots.first()
    SlotAnswer.objects.create(
        slot=slot, participant=Participant.objects.filter(meeting=ready).first(), answer="yes"
    )
    html = client.get(f"/meetings/{ready.pk}/").content.decode()
    assert "best" in html and "Fix this time and invite" in html
    assert "Not answered yet:" in html
    client.post(f"/meetings/{ready.pk}/poll/fix/", {"slot": slot.pk})
    ready.refresh_from_db()
    assert ready.status == Meeting.Status.SCHEDULED and ready.starts_at == slot.starts_at
    assert client.get(f"/meetings/{ready.pk}/cancel/").status_code == 200
    client.post(f"/meetings/{ready.pk}/cancel/", {"reason": "台风"})
    ready.refresh_from_db()
    assert ready.status == Meeting.Status.CANCELLED
    edit = client.post(
        f"/meetings/{ready.pk}/edit/", {"title": "改", "kind": "four_party", "visibility": "public"}
    )
    assert "can no longer be changed" in edit.content.decode()


def test_list_shows_public_meetings_and_links_live_page(client, scheduled, community):
    html = in_english(client).get(meetings_url(community)).content.decode()
    assert scheduled.title in html and "webcal://" in html
    detail = client.get(f"/meetings/{scheduled.pk}/").content.decode()
    assert f"/meetings/{scheduled.pk}/live/" in detail
    assert "3号楼电梯更换" in detail


def test_list_hides_members_only_and_drafts_from_the_public(
    client, community, scheduled, convener, users_by_role
):
    starts, ends = soon(days=15)
    members_only = Meeting.objects.create(
        community=community,
        convener=convener,
        title="内部会议",
        status=Meeting.Status.SCHEDULED,
        visibility=Meeting.Visibility.MEMBERS,
        starts_at=starts,
        ends_at=ends,
    )
    Meeting.objects.create(community=community, convener=convener, title="草稿会议")
    url = meetings_url(community)

    def titles(user):
        client.logout()
        if user:
            client.force_login(user)
        html = client.get(url).content.decode()
        return {t for t in (scheduled.title, members_only.title, "草稿会议") if t in html}

    assert titles(None) == {scheduled.title}
    assert titles(users_by_role["outsider"]) == {scheduled.title}
    assert titles(users_by_role["resident"]) == {scheduled.title, members_only.title}
    assert titles(users_by_role["street"]) == {scheduled.title, members_only.title}
    assert titles(convener) == {scheduled.title, members_only.title, "草稿会议"}


def test_a_participant_without_an_account_may_have_only_a_phone(client, draft, convener):
    """Issue 11: the add-a-participant form takes a phone; it is stored in E.164, shown as "by
    SMS", and a person with neither a phone nor an e-mail, or with a phone that is not one, is
    refused with the reason and nothing is added."""
    in_english(client).force_login(convener)
    page = client.get(f"/meetings/{draft.pk}/").content.decode()
    assert 'name="phone"' in page and 'type="tel"' in page and 'inputmode="tel"' in page
    base = {"name": "周大爷", "party": "residents", "role": "member", "language": "zh-hans"}
    response = client.post(
        f"/meetings/{draft.pk}/participants/", {**base, "phone": "139-0000-2222"}, follow=True
    )
    assert "周大爷 was added." in response.content.decode()
    added = Participant.objects.get(meeting=draft, name="周大爷")
    assert (str(added.phone), added.email, added.user) == ("+8613900002222", "", None)
    assert "by SMS" in response.content.decode()

    for phone, message in [
        ("", "Give a phone number or an email address"),
        ("-12345<script>", "is not a phone number"),
    ]:
        response = client.post(
            f"/meetings/{draft.pk}/participants/", {**base, "name": "吴阿姨", "phone": phone}, follow=True
        )
        body = response.content.decode()
        assert message in body and "<script>" not in body
    assert not Participant.objects.filter(meeting=draft, name="吴阿姨").exists()
