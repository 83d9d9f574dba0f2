"""The live page: server-rendered state, stable hooks for the browser test, no-JS console, roles."""

import pytest
from django.urls import reverse

from deliberation.models import Role
from meetings.models import Attendance, Ballot, Meeting, MinuteEntry, Motion
from meetings.services import minutes as minutes_svc
from tests.conftest import ROLES
from tests.factories import four_parties, make_meeting, make_member

pytestmark = pytest.mark.django_db


def page(client, meeting, user=None):
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = "en"
    return client.get(reverse("meeting_live", args=[meeting.pk]))


def test_renders_current_state_with_stable_hooks(client, meeting, people):
    minutes_svc.minute_add(meeting=meeting, by=people["secretary"].user, kind="note", text="会议开始")
    response = page(client, meeting, people["secretary"].user)
    body = response.content.decode()
    for hook in (
        'id="live"',
        'data-seq="1"',
        'id="minutes"',
        'id="motions"',
        'id="attendance"',
        'id="quorum"',
        'id="entry-form"',
        'id="entry-text"',
        f'data-ws-path="/ws/meetings/{meeting.pk}/live/"',
        "meetings/live.js",
    ):
        assert hook in body, hook
    assert "会议开始" in body
    assert 'data-ok="true"' in body and "Quorum reached" in body


def test_viewer_sees_no_console(client, meeting, people, resident):
    body = page(client, meeting, resident).content.decode()
    assert 'id="minutes"' in body
    assert 'id="entry-form"' not in body and 'id="motion-form"' not in body


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_members_only_meeting(client, community, users_by_role, role):
    meeting = make_meeting(community, visibility=Meeting.Visibility.MEMBERS)
    user = users_by_role[role]
    response = page(client, meeting, user)
    allowed = {"resident", "representative", "committee", "worker", "street", "admin"}
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_anonymous_visitors_watch_a_public_meeting(client, meeting, people):
    assert page(client, meeting).status_code == 200


def test_the_console_works_without_javascript(client, meeting, people):
    secretary, chair = people["secretary"].user, people["chair"].user
    client.force_login(secretary)
    url = lambda name, *args: reverse(name, args=[meeting.pk, *args])  # noqa: E731
    client.post(
        url("meeting_live_entry_add"), {"kind": "note", "text": "无脚本也能记录", "client_id": "form-1"}
    )
    client.post(
        url("meeting_live_entry_add"), {"kind": "note", "text": "无脚本也能记录", "client_id": "form-1"}
    )
    assert MinuteEntry.objects.filter(text="无脚本也能记录").count() == 1
    response = client.post(
        url("meeting_live_motion_open"), {"text": "x", "rule": "simple_majority", "matter": "ordinary"}
    )
    assert response.status_code == 403  # the secretary does not chair

    client.force_login(chair)
    client.post(
        url("meeting_live_motion_open"),
        {"text": "维修路灯", "rule": "simple_majority", "matter": "ordinary", "agenda_item": ""},
    )
    motion = Motion.objects.get(text="维修路灯")
    client.post(url("meeting_live_ballot_cast", motion.pk), {"choice": "for"})
    assert Ballot.objects.get(motion=motion).choice == "for"
    asked = client.post(url("meeting_live_motion_close", motion.pk))  # without script: a page asks
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.content.decode()
    client.post(url("meeting_live_motion_close", motion.pk), {"confirm": "yes"})
    motion.refresh_from_db()
    assert motion.passed is True
    # Sealing the minutes cannot be undone: a page asks first, then the post with confirm=yes.
    asked = client.post(url("meeting_live_close"))
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.IN_PROGRESS
    client.post(url("meeting_live_close"), {"confirm": "yes"})
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CLOSED
    body = page(client, meeting).content.decode()
    assert 'data-verified="true"' in body


def test_check_in_by_secretary_and_by_code(client, community):
    meeting = make_meeting(community, status=Meeting.Status.SCHEDULED)
    people = four_parties(meeting, present=False)
    client.force_login(people["secretary"].user)
    client.post(reverse("meeting_live_check_in", args=[meeting.pk]), {"participant": people["committee"].pk})
    assert Attendance.objects.filter(participant=people["committee"]).exists()
    client.force_login(people["property"].user)
    code = minutes_svc.live_state(meeting).checkin_code
    client.post(reverse("meeting_live_check_in_self", args=[meeting.pk]), {"code": code})
    assert Attendance.objects.filter(participant=people["property"]).exists()
    outsider = make_member(community, role=Role.RESIDENT)
    client.force_login(outsider)
    response = client.post(reverse("meeting_live_check_in_self", args=[meeting.pk]), {"code": code})
    assert response.status_code == 403


def test_a_linked_owner_votes_on_owners_motions_from_the_page_without_being_a_participant(
    client, meeting, people
):
    from decimal import Decimal

    from deliberation.models import Building
    from deliberation.services.owners import owner_link
    from meetings.models import BallotChange
    from meetings.services import motions as svc
    from tests.factories import HouseholdFactory, OwnerFactory

    building, _ = Building.objects.get_or_create(community=meeting.community, name="6号楼")
    household = HouseholdFactory(building=building, area=Decimal("88.00"))
    user = make_member(meeting.community, household=household)
    owner = OwnerFactory(household=household, name="郑业主")
    owner_link(owner=owner, user=user, by=meeting.convener)
    chair = people["chair"].user
    owners_vote = Motion.objects.get(
        pk=svc.motion_open(
            meeting=meeting,
            by=chair,
            text="公共区域出租",
            rule="civil_code_278",
            matter="major",
            agenda_item=None,
        ).payload["id"]
    )
    meeting_vote = Motion.objects.get(
        pk=svc.motion_open(meeting=meeting, by=chair, text="茶歇安排", agenda_item=None).payload["id"]
    )
    svc.ballot_record_proxy(
        motion=owners_vote,
        by=people["secretary"].user,
        owner=owner,
        choice="abstain",
        proxy_holder="郑家儿子",
    )

    body = page(client, meeting, user).content.decode()
    assert 'data-vote-rules="civil_code_278"' in body
    cast = reverse("meeting_live_ballot_cast", args=[meeting.pk, owners_vote.pk])
    assert f'action="{cast}"' in body
    assert reverse("meeting_live_ballot_cast", args=[meeting.pk, meeting_vote.pk]) not in body

    response = client.post(cast, {"choice": "for", "client_id": "phone-1"}, follow=True)
    assert response.status_code == 200
    ballot = Ballot.objects.get(motion=owners_vote)
    assert (ballot.household, ballot.owner, ballot.choice, ballot.proxy_holder) == (
        household,
        owner,
        "for",
        "",
    )
    assert list(BallotChange.objects.filter(motion=owners_vote).values_list("proxy_holder", "by")) == [
        ("郑家儿子", people["secretary"].user.pk),
        ("", user.pk),
    ]
    # The meeting's own vote is the participants': refused with a message, nothing stored.
    client.post(reverse("meeting_live_ballot_cast", args=[meeting.pk, meeting_vote.pk]), {"choice": "for"})
    assert not Ballot.objects.filter(motion=meeting_vote).exists()
    # A participant who owns nothing gets no buttons on the owners' vote.
    body = page(client, meeting, people["committee"].user).content.decode()
    assert f'action="{cast}"' not in body and 'data-vote-rules="simple_majority four_party_consensus"' in body
