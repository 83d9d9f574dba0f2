"""A retry id belongs to its sender: writes are recognised as retries by (meeting, sender,
message type, client_id), over the WebSocket and over HTTP; another client's id never matches."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import IntegrityError, transaction
from django.urls import reverse

from cms.asgi import application
from meetings.models import Attendance, Ballot, BallotChange, LiveEvent, MinuteEntry, Motion
from meetings.services import minutes as minutes_svc
from meetings.services import motions as motion_svc
from tests.factories import add_participant, four_parties, make_meeting, session_cookie

SOCKET = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def meeting_with_motion(community):
    meeting = make_meeting(community)
    people = four_parties(meeting)
    event = motion_svc.motion_open(
        meeting=meeting, by=people["chair"].user, text="加装电梯", agenda_item=None
    )
    return meeting, people, Motion.objects.get(pk=event.payload["id"])


async def connect(meeting, user):
    key = await database_sync_to_async(session_cookie)(user)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/meetings/{meeting.pk}/live/",
        headers=[(b"origin", b"http://testserver"), (b"cookie", f"sessionid={key}".encode())],
    )
    connected, _code = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "hello", "last_seq": 0})
    while (await communicator.receive_json_from(timeout=3))["type"] != "hello":
        pass
    return communicator


async def send(communicator, message):
    """Send a write and return the server's answer to it (its ack or error)."""
    await communicator.send_json_to(message)
    while True:
        reply = await communicator.receive_json_from(timeout=3)
        if reply.get("client_id") == message["client_id"] and reply["type"] in ("ack", "error"):
            return reply


# --- WebSocket -------------------------------------------------------------------------------


@SOCKET
async def test_two_voters_sharing_a_client_id_each_get_their_own_ballot(community):
    meeting, people, motion = await database_sync_to_async(meeting_with_motion)(community)
    plan = {"committee": "for", "property": "against", "residents": "abstain"}
    sockets = {party: await connect(meeting, people[party].user) for party in plan}
    try:
        for party, choice in plan.items():
            reply = await send(
                sockets[party],
                {"type": "ballot.cast", "client_id": "same-id", "motion": motion.pk, "choice": choice},
            )
            assert reply["type"] == "ack" and reply["ballot"] == {"motion": motion.pk, "choice": choice}
        # The same voter retrying is still answered with their stored ballot, not stored twice.
        reply = await send(
            sockets["committee"],
            {"type": "ballot.cast", "client_id": "same-id", "motion": motion.pk, "choice": "for"},
        )
        assert reply["ballot"]["choice"] == "for"
    finally:
        for communicator in sockets.values():
            await communicator.disconnect()
    ballots = await database_sync_to_async(
        lambda: {
            b.participant.party: b.choice
            for b in Ballot.objects.filter(motion=motion).select_related("participant")
        }
    )()
    assert ballots == plan
    assert await database_sync_to_async(BallotChange.objects.filter(motion=motion).count)() == 3


@SOCKET
async def test_motion_open_with_the_id_of_an_entry_opens_a_motion(community):
    meeting = await database_sync_to_async(make_meeting)(community)
    await database_sync_to_async(four_parties)(meeting)
    worker = meeting.convener  # a community worker both keeps the minutes and chairs
    communicator = await connect(meeting, worker)
    try:
        entry = await send(
            communicator, {"type": "entry.add", "client_id": "w-1", "kind": "note", "text": "开始"}
        )
        opened = await send(
            communicator, {"type": "motion.open", "client_id": "w-1", "text": "加装电梯", "agenda_item": None}
        )
        assert entry["type"] == opened["type"] == "ack" and opened["seq"] == entry["seq"] + 1
        # The same write sent again is a retry of that write only.
        again = await send(
            communicator, {"type": "motion.open", "client_id": "w-1", "text": "加装电梯", "agenda_item": None}
        )
        assert again["seq"] == opened["seq"]
    finally:
        await communicator.disconnect()
    assert await database_sync_to_async(Motion.objects.filter(meeting=meeting).count)() == 1
    assert await database_sync_to_async(MinuteEntry.objects.filter(meeting=meeting).count)() == 1


@SOCKET
async def test_two_participants_checking_in_with_the_same_id_are_both_present(community):
    meeting = await database_sync_to_async(make_meeting)(community)
    first, second = [await database_sync_to_async(add_participant)(meeting) for _ in range(2)]
    code = await database_sync_to_async(lambda: minutes_svc.live_state(meeting).checkin_code)()
    for participant in (first, second):
        communicator = await connect(meeting, participant.user)
        try:
            reply = await send(communicator, {"type": "checkin.self", "client_id": "phone", "code": code})
            assert reply["type"] == "ack" and reply["seq"]
        finally:
            await communicator.disconnect()
    present = await database_sync_to_async(
        lambda: set(Attendance.objects.filter(meeting=meeting).values_list("participant_id", flat=True))
    )()
    assert present == {first.pk, second.pk}


# --- HTTP and services -----------------------------------------------------------------------


@pytest.mark.django_db
def test_two_voters_posting_the_same_client_id_each_get_their_own_ballot(client, community):
    meeting, people, motion = meeting_with_motion(community)
    url = reverse("meeting_live_ballot_cast", args=[meeting.pk, motion.pk])
    plan = {"committee": "for", "property": "against", "residents": "abstain", "chair": "for"}
    for key, choice in plan.items():
        client.force_login(people[key].user)
        client.post(url, {"choice": choice, "client_id": "form-1"})
    expected = {people[key].pk: choice for key, choice in plan.items()}
    assert dict(motion.ballots.values_list("participant_id", "choice")) == expected


@pytest.mark.django_db
def test_over_http_keepers_sharing_an_id_both_write_and_a_chair_reusing_it_opens_a_motion(client, community):
    meeting = make_meeting(community)
    people = four_parties(meeting)
    url = lambda name: reverse(name, args=[meeting.pk])  # noqa: E731
    for user, text in ((people["secretary"].user, "记录一"), (meeting.convener, "记录二")):
        client.force_login(user)
        client.post(url("meeting_live_entry_add"), {"kind": "note", "text": text, "client_id": "shared"})
    assert list(MinuteEntry.objects.filter(meeting=meeting).values_list("text", flat=True)) == [
        "记录一",
        "记录二",
    ]
    client.post(
        url("meeting_live_motion_open"),
        {
            "text": "加装电梯",
            "rule": "simple_majority",
            "matter": "ordinary",
            "agenda_item": "",
            "client_id": "shared",
        },
    )
    assert Motion.objects.filter(meeting=meeting, text="加装电梯").exists()


@pytest.mark.django_db
def test_a_proxy_and_a_ballot_by_the_same_sender_with_one_id_are_two_writes(community):
    from deliberation.models import Building
    from tests.factories import HouseholdFactory, OwnerFactory, link_owner

    meeting = make_meeting(community)
    people = four_parties(meeting)
    building, _ = Building.objects.get_or_create(community=community, name="9号楼")
    secretary = people["secretary"].user
    own = link_owner(OwnerFactory(household=HouseholdFactory(building=building)), secretary)
    other = OwnerFactory(household=HouseholdFactory(building=building))
    event = motion_svc.motion_open(
        meeting=meeting, by=people["chair"].user, text="使用维修资金", rule="civil_code_278", agenda_item=None
    )
    motion = Motion.objects.get(pk=event.payload["id"])
    motion_svc.ballot_record_proxy(
        motion=motion, by=secretary, owner=other, choice="against", proxy_holder="楼长", client_id="x"
    )
    ballot, changed = motion_svc.ballot_cast(motion=motion, by=secretary, choice="for", client_id="x")
    assert changed and ballot.owner == own and ballot.choice == "for"
    assert dict(Ballot.objects.filter(motion=motion).values_list("owner_id", "choice")) == {
        own.pk: "for",
        other.pk: "against",
    }


@pytest.mark.django_db
def test_the_database_keeps_a_senders_write_unique_and_lets_others_reuse_the_id(community):
    meeting = make_meeting(community)
    people = four_parties(meeting)
    secretary, worker = people["secretary"].user, meeting.convener
    minutes_svc.minute_add(meeting=meeting, by=secretary, kind="note", text="一", client_id="dup")
    minutes_svc.minute_add(meeting=meeting, by=worker, kind="note", text="二", client_id="dup")
    assert LiveEvent.objects.filter(meeting=meeting, client_id="dup").count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        LiveEvent.objects.create(
            meeting=meeting, seq=99, kind="entry", client_id="dup", client_type="entry.add", actor=secretary
        )
