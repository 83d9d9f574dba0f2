"""The live WebSocket through the real ASGI stack (origin check, session auth, routing)."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from cms.asgi import application
from deliberation.models import Role
from meetings import consumers
from meetings.models import Ballot, BallotChange, LiveEvent, Meeting, MinuteEntry, Motion
from tests.factories import (
    UserFactory,
    add_participant,
    four_parties,
    make_meeting,
    make_member,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


async def open_socket(meeting, user=None, origin=b"http://testserver", expect=True):
    headers = [(b"origin", origin)]
    if user is not None:
        key = await database_sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={key}".encode()))
    communicator = WebsocketCommunicator(application, f"/ws/meetings/{meeting.pk}/live/", headers=headers)
    connected, _code = await communicator.connect()
    assert connected is expect
    return communicator


async def hello(communicator, last_seq=0):
    """Send hello and collect the replayed events up to the server's hello."""
    await communicator.send_json_to({"type": "hello", "last_seq": last_seq})
    events = []
    while True:
        message = await communicator.receive_json_from(timeout=3)
        if message["type"] == "hello":
            return events, message
        events.append(message)


async def until(communicator, predicate, timeout=3):
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if predicate(message):
            return message


@pytest.fixture
def secretary(people):
    return people["secretary"].user


async def test_anonymous_is_refused_on_a_members_meeting_and_welcome_on_a_public_one(community):
    members_only = await database_sync_to_async(make_meeting)(
        community, visibility=Meeting.Visibility.MEMBERS
    )
    public = await database_sync_to_async(make_meeting)(community)
    await open_socket(members_only, expect=False)
    communicator = await open_socket(public)
    events, reply = await hello(communicator)
    assert reply == {"type": "hello", "last_seq": 0}
    await communicator.disconnect()


async def test_wrong_origin_is_refused(meeting, secretary):
    await open_socket(meeting, secretary, origin=b"http://evil.example", expect=False)
    communicator = await open_socket(meeting, secretary)
    await communicator.disconnect()


@pytest.mark.parametrize(
    "origin", ["SITE_URL", b"http://testserver", b"http://testserver:80", b"HTTP://TestServer"]
)
async def test_the_sites_own_origin_is_accepted(meeting, secretary, origin, settings):
    """SITE_URL (by default http://127.0.0.1:8000) and the test client's host."""
    if origin == "SITE_URL":
        origin = settings.SITE_URL.encode()
    communicator = await open_socket(meeting, secretary, origin=origin)
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


@pytest.mark.parametrize(
    "origin",
    [
        b"http://127.0.0.1:8001",  # same host, another port
        b"http://127.0.0.1",
        b"https://127.0.0.1:8000",  # same host and port, another scheme
        b"https://testserver",
        b"http://testserver:8080",
        b"ws://testserver",
        b"null",
        b"http://testserver.evil.example",
        b"http://evil.example/?http://testserver",
        None,  # no Origin header at all
    ],
)
async def test_any_other_origin_is_refused(meeting, secretary, origin):
    headers = [(b"origin", origin)] if origin is not None else []
    key = await database_sync_to_async(session_cookie)(secretary)
    headers.append((b"cookie", f"sessionid={key}".encode()))
    communicator = WebsocketCommunicator(application, f"/ws/meetings/{meeting.pk}/live/", headers=headers)
    connected, _code = await communicator.connect()
    assert connected is False
    await communicator.disconnect()


async def test_a_refused_socket_opens_nothing_on_the_channel_layer(meeting, monkeypatch):
    """A page on another site may open refused sockets as fast as it likes: the refusal opens no
    channel (with Redis, Channels' own denier held a blocking read for a second per socket) and
    its application has ended by the time the close is answered."""
    from channels.layers import get_channel_layer

    layer, opened = get_channel_layer(), []
    real_new_channel = layer.new_channel

    async def new_channel(*args, **kwargs):
        opened.append(args)
        return await real_new_channel(*args, **kwargs)

    monkeypatch.setattr(layer, "new_channel", new_channel)
    communicator = WebsocketCommunicator(
        application, f"/ws/meetings/{meeting.pk}/live/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _code = await communicator.connect()
    assert connected is False
    await communicator.disconnect(timeout=0.2)  # waits for the application to end, or fails
    assert communicator.future.done() and opened == []


def test_allowed_origins_are_exact_and_come_from_site_url_and_csrf_trusted_origins():
    from cms.origins import exact_origins

    assert exact_origins(
        [
            "https://yishiting.example.org/",
            "https://yishiting.example.org",
            "https://*.example.org",
            "http://10.0.0.5:8080",
            "example.org",
        ]
    ) == ["https://yishiting.example.org:443", "http://10.0.0.5:8080"]


async def test_outsider_is_refused_and_member_admitted_on_a_members_meeting(community):
    meeting = await database_sync_to_async(make_meeting)(community, visibility=Meeting.Visibility.MEMBERS)
    outsider = await database_sync_to_async(UserFactory)()
    member = await database_sync_to_async(make_member)(community, role=Role.RESIDENT)
    await open_socket(meeting, outsider, expect=False)
    communicator = await open_socket(meeting, member)
    await communicator.disconnect()


async def test_a_viewer_cannot_write_and_the_socket_stays_usable(meeting, people, resident):
    communicator = await open_socket(meeting, resident)
    await hello(communicator)
    for message in (
        {"type": "entry.add", "client_id": "c1", "kind": "note", "text": "偷偷写一条"},
        {"type": "motion.open", "client_id": "c2", "text": "动议"},
        {"type": "agenda.next", "client_id": "c3"},
    ):
        await communicator.send_json_to(message)
        reply = await communicator.receive_json_from()
        assert reply["type"] == "error" and reply["code"] == "forbidden"
        assert reply["client_id"] == message["client_id"]
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    assert await database_sync_to_async(MinuteEntry.objects.count)() == 0
    await communicator.disconnect()


async def test_a_voter_cannot_keep_the_minutes(meeting, people):
    communicator = await open_socket(meeting, people["committee"].user)
    await communicator.send_json_to({"type": "entry.add", "client_id": "x", "kind": "note", "text": "…"})
    assert (await communicator.receive_json_from())["code"] == "forbidden"
    await communicator.disconnect()


async def test_malformed_and_oversized_messages_get_an_error_and_the_socket_still_works(meeting, secretary):
    communicator = await open_socket(meeting, secretary)
    await hello(communicator)
    await communicator.send_to(text_data="{not json")
    assert (await communicator.receive_json_from())["code"] == "bad_json"
    await communicator.send_to(text_data="[1, 2]")
    assert (await communicator.receive_json_from())["code"] == "bad_message"
    await communicator.send_to(
        text_data=json.dumps({"type": "entry.add", "client_id": "big", "text": "长" * 20000})
    )
    assert (await communicator.receive_json_from())["code"] == "too_large"
    await communicator.send_to(bytes_data=b"\x00\x01")
    assert (await communicator.receive_json_from())["code"] == "bad_message"
    await communicator.send_json_to({"type": "launch"})
    assert (await communicator.receive_json_from())["code"] == "unknown_type"
    await communicator.send_json_to({"type": "entry.add", "kind": "note", "text": "no client id"})
    assert (await communicator.receive_json_from())["code"] == "bad_message"
    await communicator.send_json_to(
        {"type": "entry.add", "client_id": "m", "kind": "note", "text": {"id": 1}}
    )
    assert (await communicator.receive_json_from())["code"] == "bad_message"
    # Still usable: a real write goes through.
    await communicator.send_json_to(
        {"type": "entry.add", "client_id": "ok-1", "kind": "note", "text": "会议开始"}
    )
    replies = {
        m["type"]: m for m in [await communicator.receive_json_from(), await communicator.receive_json_from()]
    }
    event, ack = replies["event"], replies["ack"]
    assert event["kind"] == "entry" and event["data"]["text"] == "会议开始"
    assert ack == {"type": "ack", "client_id": "ok-1", "seq": event["seq"]}
    await communicator.disconnect()


async def test_an_entry_reaches_every_viewer_in_seq_order(meeting, secretary):
    viewer = await open_socket(meeting)
    await hello(viewer)
    writer = await open_socket(meeting, secretary)
    await hello(writer)
    for i in range(5):
        await writer.send_json_to(
            {"type": "entry.add", "client_id": f"e{i}", "kind": "note", "text": f"第{i}条"}
        )
    received = [await until(viewer, lambda m: m["type"] == "event") for _ in range(5)]
    assert [e["seq"] for e in received] == [1, 2, 3, 4, 5]
    assert [e["data"]["text"] for e in received] == [f"第{i}条" for i in range(5)]
    await viewer.disconnect()
    await writer.disconnect()


async def test_replay_after_reconnect_delivers_exactly_the_missed_events_in_order(meeting, secretary):
    writer = await open_socket(meeting, secretary)
    await hello(writer)
    viewer = await open_socket(meeting)
    await hello(viewer)
    await writer.send_json_to({"type": "entry.add", "client_id": "a", "kind": "note", "text": "一"})
    seen = await until(viewer, lambda m: m["type"] == "event")
    await viewer.disconnect()

    for i, text in enumerate(["二", "三", "四"]):
        await writer.send_json_to({"type": "entry.add", "client_id": f"b{i}", "kind": "note", "text": text})
        await until(writer, lambda m: m["type"] == "ack")

    viewer = await open_socket(meeting)
    missed, reply = await hello(viewer, last_seq=seen["seq"])
    assert [e["data"]["text"] for e in missed] == ["二", "三", "四"]
    assert [e["seq"] for e in missed] == [seen["seq"] + 1, seen["seq"] + 2, seen["seq"] + 3]
    assert reply["last_seq"] == seen["seq"] + 3
    # and nothing more is waiting
    assert await viewer.receive_nothing(timeout=0.3)
    # A client that saw a gap asks again: the server resends from where it says.
    await viewer.send_json_to({"type": "replay", "since": seen["seq"] + 1})
    again = [await viewer.receive_json_from() for _ in range(2)]
    assert [e["data"]["text"] for e in again] == ["三", "四"]
    await viewer.disconnect()
    await writer.disconnect()


async def test_a_retried_write_with_the_same_client_id_stores_one_entry(meeting, secretary):
    writer = await open_socket(meeting, secretary)
    await hello(writer)
    message = {"type": "entry.add", "client_id": "retry-1", "kind": "decision", "text": "同意维修电梯"}
    await writer.send_json_to(message)
    first = await until(writer, lambda m: m["type"] == "ack")
    await writer.disconnect()
    # The connection dropped before the client saw the ack; it reconnects and retries.
    writer = await open_socket(meeting, secretary)
    await hello(writer, last_seq=0)
    await writer.send_json_to(message)
    second = await until(writer, lambda m: m["type"] == "ack")
    assert first["seq"] == second["seq"]
    assert await database_sync_to_async(MinuteEntry.objects.filter(meeting=meeting).count)() == 1
    assert await database_sync_to_async(LiveEvent.objects.filter(meeting=meeting, kind="entry").count)() == 1
    await writer.disconnect()


async def test_check_in_updates_the_quorum(community):
    meeting = await database_sync_to_async(make_meeting)(community)
    people = await database_sync_to_async(four_parties)(meeting, present=False)
    writer = await open_socket(meeting, people["secretary"].user)
    await hello(writer)
    quorum = None
    for key in ("secretary", "committee", "property", "residents"):
        await writer.send_json_to(
            {"type": "checkin", "client_id": f"ci-{key}", "participant": people[key].pk}
        )
        event = await until(writer, lambda m: m["type"] == "event")
        quorum = event["data"]["quorum"]
        assert event["kind"] == "attendance"
    assert quorum["ok"] is True and quorum["missing"] == []
    await writer.disconnect()


async def test_self_check_in_needs_the_code(meeting, people):
    from meetings.models import Attendance, LiveState

    participant = await database_sync_to_async(add_participant)(meeting)
    state, _ = await database_sync_to_async(LiveState.objects.get_or_create)(meeting=meeting)
    communicator = await open_socket(meeting, participant.user)
    await communicator.send_json_to({"type": "checkin.self", "client_id": "s1", "code": "000000x"})
    assert (await communicator.receive_json_from())["code"] == "refused"
    await communicator.send_json_to({"type": "checkin.self", "client_id": "s2", "code": state.checkin_code})
    assert (await until(communicator, lambda m: m["type"] == "ack"))["seq"]
    assert await database_sync_to_async(Attendance.objects.filter(participant=participant).exists)()
    await communicator.disconnect()


async def test_motion_ballots_coalesce_into_full_tallies(meeting, people, monkeypatch):
    from meetings import live

    monkeypatch.setattr(live, "TALLY_WINDOW", 0.2)
    chair = await open_socket(meeting, people["chair"].user)
    await hello(chair)
    await chair.send_json_to(
        {
            "type": "motion.open",
            "client_id": "m1",
            "text": "更换电梯",
            "rule": "simple_majority",
            "agenda_item": None,
        }
    )
    opened = await until(chair, lambda m: m["type"] == "event")
    motion_id = opened["data"]["id"]
    assert (
        opened["data"]["result"]["figures"]["eligible"] == 4
    )  # chair + three parties; the secretary does not vote

    voters = [people[p].user for p in ("committee", "property", "residents")] + [people["chair"].user]
    sockets = [chair] + [await open_socket(meeting, u) for u in voters[:3]]
    plan = ["against", "for", "abstain", "for"]
    began = asyncio.get_running_loop().time()
    for n in range(3):  # every voter changes their mind twice, in a burst
        for socket, choice in zip(sockets, plan, strict=True):
            await socket.send_json_to(
                {
                    "type": "ballot.cast",
                    "client_id": f"b{n}-{id(socket)}",
                    "motion": motion_id,
                    "choice": choice,
                }
            )
        plan = plan[1:] + plan[:1]
    for socket in sockets[1:]:
        for _ in range(3):
            await until(socket, lambda m: m["type"] == "ack")
    # Every ballot is acknowledged, so stored: the last tally must come to hold exactly these.
    final = {
        b.participant.user_id: b.choice
        async for b in Ballot.objects.filter(motion_id=motion_id).select_related("participant")
    }
    assert len(final) == 4
    assert await database_sync_to_async(BallotChange.objects.filter(motion_id=motion_id).count)() >= 4
    counts = {c: list(final.values()).count(c) for c in ("for", "against", "abstain")}
    tallies = []
    while True:
        message = await chair.receive_json_from(timeout=5)
        if message["type"] == "event" and message["kind"] == "tally":
            tallies.append(message)
            figures = message["data"]["result"]["figures"]
            if {k: figures[k] for k in counts} == counts and figures["cast"] == 4:
                break
    elapsed = asyncio.get_running_loop().time() - began
    # 12 ballots: tallies are bounded by time (one per window), each the full tally.
    assert len(tallies) <= elapsed / live.TALLY_WINDOW + 2

    await chair.send_json_to({"type": "motion.close", "client_id": "close-1", "motion": motion_id})
    closed = await until(chair, lambda m: m["type"] == "event" and m["kind"] == "motion.closed")
    assert closed["data"]["status"] == "closed"
    motion = await database_sync_to_async(Motion.objects.get)(pk=motion_id)
    assert motion.passed == (counts["for"] > counts["against"])
    for socket in sockets:
        await socket.disconnect()


async def test_a_flooding_client_is_rate_limited_and_not_served(meeting, secretary, monkeypatch):
    monkeypatch.setattr(consumers, "RATE_BURST", 5)
    monkeypatch.setattr(consumers, "RATE_PER_SECOND", 1)
    communicator = await open_socket(meeting, secretary)
    for _ in range(30):
        await communicator.send_json_to({"type": "ping"})
    replies = []
    while not await communicator.receive_nothing(timeout=0.3):
        replies.append(await communicator.receive_json_from())
    assert replies.count({"type": "pong"}) <= 8  # a burst of 5, plus what refills meanwhile
    assert any(r.get("code") == "rate_limited" for r in replies)
    await asyncio.sleep(1.1)
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


async def test_a_write_after_logout_is_refused(meeting, secretary):
    from django.contrib.sessions.models import Session

    communicator = await open_socket(meeting, secretary)
    await database_sync_to_async(Session.objects.all().delete)()
    await communicator.send_json_to({"type": "entry.add", "client_id": "late", "kind": "note", "text": "x"})
    assert (await communicator.receive_json_from())["code"] == "session_expired"
    assert (await communicator.receive_output())["type"] == "websocket.close"
    await communicator.disconnect()


async def test_one_relay_per_process_serves_every_viewer_and_goes_with_the_last(meeting, secretary):
    from meetings import live

    viewers = [await open_socket(meeting) for _ in range(3)]
    for viewer in viewers:
        await hello(viewer)
    relays = [r for (loop, meeting_id), r in live._relays.items() if meeting_id == meeting.pk]
    assert len(relays) == 1 and len(relays[0].members) == 3
    await viewers[0].disconnect()
    writer = await open_socket(meeting, secretary)
    await writer.send_json_to({"type": "entry.add", "client_id": "r1", "kind": "note", "text": "还在吗"})
    for viewer in viewers[1:]:
        event = await until(viewer, lambda m: m["type"] == "event")
        assert event["data"]["text"] == "还在吗"
    for communicator in [*viewers[1:], writer]:
        await communicator.disconnect()
    assert not [key for key in live._relays if key[1] == meeting.pk]


async def test_a_broadcast_that_overtakes_another_is_put_in_order_once_for_every_viewer(
    meeting, secretary, monkeypatch
):
    """Two workers commit seq 2 and 3 in order, but 3 reaches the layer first: the relay reads 2
    from the database once (not once per viewer), hands on 2 and 3, and drops the late 2."""
    from channels.layers import get_channel_layer

    from meetings import live
    from meetings.services.minutes import minute_add

    viewers = [await open_socket(meeting) for _ in range(3)]
    for viewer in viewers:
        await hello(viewer)
    await database_sync_to_async(minute_add)(meeting=meeting, by=secretary, kind="note", text="第一条")
    for viewer in viewers:
        assert (await until(viewer, lambda m: m["type"] == "event"))["seq"] == 1
    held = []
    monkeypatch.setattr(live, "broadcast", lambda meeting_id, message: held.append(message))
    for text in ("第二条", "第三条"):
        await database_sync_to_async(minute_add)(meeting=meeting, by=secretary, kind="note", text=text)
    reads = []
    real_replay = live.replay
    monkeypatch.setattr(
        live, "replay", lambda *args, **kwargs: reads.append(args) or real_replay(*args, **kwargs)
    )
    layer = get_channel_layer()
    for message in reversed(held):  # seq 3, then seq 2
        await layer.group_send(live.group_name(meeting.pk), live.relay_message(message))
    for viewer in viewers:
        events = [await until(viewer, lambda m: m["type"] == "event") for _ in range(2)]
        assert [(e["seq"], e["data"]["text"]) for e in events] == [(2, "第二条"), (3, "第三条")]
        assert await viewer.receive_nothing(timeout=0.3)
        await viewer.disconnect()
    assert reads == [(meeting.pk, 1)]


async def test_a_viewer_catches_up_after_the_channel_layer_fails(meeting, secretary, monkeypatch):
    """Events stored while the relay could not hear the layer are replayed when it recovers."""
    from meetings import live
    from meetings.services.minutes import minute_add

    viewer = await open_socket(meeting)
    await hello(viewer)
    relay = next(r for key, r in live._relays.items() if key[1] == meeting.pk)
    real_receive = relay.layer.receive
    failed = []

    async def flaky_receive(channel):
        if not failed:
            failed.append(True)
            raise ConnectionError("layer down")
        return await real_receive(channel)

    # Store an event without broadcasting it (as if the layer had dropped it), then fail once.
    monkeypatch.setattr(live, "broadcast", lambda meeting_id, message: None)
    await database_sync_to_async(minute_add)(meeting=meeting, by=secretary, kind="note", text="丢失的广播")
    monkeypatch.setattr(relay.layer, "receive", flaky_receive)
    relay.task.cancel()
    relay.task = asyncio.get_running_loop().create_task(relay.run())
    event = await until(viewer, lambda m: m["type"] == "event", timeout=5)
    assert event["seq"] == 1 and event["data"]["text"] == "丢失的广播"
    await viewer.disconnect()


async def test_a_relay_its_group_forgot_rejoins_and_catches_its_viewers_up(meeting, secretary):
    """A restarted Redis forgets every group and tells no member: the relay joins again and sends
    its viewers, from the database, what was broadcast while it was out."""
    from meetings import live
    from meetings.services.minutes import minute_add

    viewer = await open_socket(meeting)
    await hello(viewer)
    relay = relay_of(meeting)
    group = live.group_name(meeting.pk)
    await relay.layer.group_discard(group, relay.channel)  # what a Redis restart does, silently
    joined = []
    group_add = relay.layer.group_add

    async def spy(name, channel):
        joined.append((name, channel))
        await group_add(name, channel)

    relay.layer.group_add = spy  # the layer is the process's own (memory or Redis): watch it join
    try:
        await database_sync_to_async(minute_add)(
            meeting=meeting, by=secretary, kind="note", text="无人收听时"
        )
        event = await until(viewer, lambda m: m["type"] == "event", timeout=2 * live.RELAY_CHECK + 2)
        assert event["seq"] == 1 and event["data"]["text"] == "无人收听时"
        assert (group, relay.channel) in joined
        # joined again, the relay hears the next broadcast through its group
        await database_sync_to_async(minute_add)(meeting=meeting, by=secretary, kind="note", text="又在收听")
        event = await until(viewer, lambda m: m["type"] == "event", timeout=2 * live.RELAY_CHECK + 2)
        assert event["seq"] == 2 and event["data"]["text"] == "又在收听"
    finally:
        del relay.layer.group_add
    await viewer.disconnect()


def _linked_owner_world(meeting, worker):
    """A roster of two single owners (100 m² each); one is linked to an account by a worker."""
    from decimal import Decimal

    from deliberation.models import Building
    from deliberation.services.owners import owner_link
    from tests.factories import HouseholdFactory, OwnerFactory

    building, _ = Building.objects.get_or_create(community=meeting.community, name="5号楼")
    user = make_member(meeting.community, household=HouseholdFactory(building=building, area=Decimal("100")))
    owner = OwnerFactory(household=user.memberships.get().household, name="周业主")
    owner_link(owner=owner, user=user, by=worker)
    other = OwnerFactory(household=HouseholdFactory(building=building, area=Decimal("100")), name="吴业主")
    return user, owner, other


async def test_a_linked_owner_who_is_no_participant_casts_their_own_ballot_over_the_socket(meeting, people):
    from meetings.services import motions as svc

    secretary, chair = people["secretary"].user, people["chair"].user
    user, owner, other = await database_sync_to_async(_linked_owner_world)(meeting, meeting.convener)
    owners_vote = await database_sync_to_async(
        lambda: Motion.objects.get(
            pk=svc.motion_open(
                meeting=meeting,
                by=chair,
                text="使用维修资金更换电梯",
                rule="civil_code_278",
                matter="major",
                agenda_item=None,
            ).payload["id"]
        )
    )()
    meeting_vote = await database_sync_to_async(
        lambda: Motion.objects.get(
            pk=svc.motion_open(meeting=meeting, by=chair, text="下次开会时间", agenda_item=None).payload["id"]
        )
    )()
    # The secretary first records a written proxy for the owner.
    desk = await open_socket(meeting, secretary)
    await hello(desk)
    await desk.send_json_to(
        {
            "type": "ballot.proxy",
            "client_id": "p1",
            "motion": owners_vote.pk,
            "owner": owner.pk,
            "choice": "against",
            "proxy_holder": "周家女儿",
        }
    )
    assert (await until(desk, lambda m: m["type"] in ("ack", "error")))["type"] == "ack"

    phone = await open_socket(meeting, user)
    await hello(phone)
    await phone.send_json_to(
        {"type": "ballot.cast", "client_id": "o1", "motion": owners_vote.pk, "choice": "for"}
    )
    ack = await until(phone, lambda m: m["type"] in ("ack", "error"))
    assert ack == {"type": "ack", "client_id": "o1", "ballot": {"motion": owners_vote.pk, "choice": "for"}}
    # Not a participant: the meeting's own votes stay closed to them, and another owner's row too.
    await phone.send_json_to(
        {"type": "ballot.cast", "client_id": "o2", "motion": meeting_vote.pk, "choice": "for"}
    )
    assert (await until(phone, lambda m: m["type"] in ("ack", "error")))["type"] == "error"
    await phone.send_json_to(
        {
            "type": "ballot.cast",
            "client_id": "o3",
            "motion": owners_vote.pk,
            "owner": other.pk,
            "choice": "against",
        }
    )
    assert (await until(phone, lambda m: m["type"] in ("ack", "error")))["type"] == "error"

    ballot = await database_sync_to_async(Ballot.objects.get)(motion=owners_vote, household=owner.household)
    assert (ballot.choice, ballot.proxy_holder, ballot.recorded_by_id) == ("for", "", user.pk)
    changes = await database_sync_to_async(
        lambda: list(
            BallotChange.objects.filter(motion=owners_vote).values_list("new_choice", "proxy_holder", "by")
        )
    )()
    assert changes == [("against", "周家女儿", secretary.pk), ("for", "", user.pk)]
    # Tallies are coalesced: the proxy's may come first, alone; the owner's own ballot's follows.
    tally = await until(
        desk,
        lambda m: (
            m["type"] == "event"
            and m["kind"] == "tally"
            and m["data"]["id"] == owners_vote.pk
            and m["data"]["result"]["figures"]["heads"]["for"] == "1"
        ),
    )
    figures = tally["data"]["result"]["figures"]
    assert figures["heads"]["against"] == "0" and figures["area"]["for"] == "100.00"
    for socket in (desk, phone):
        await socket.disconnect()


async def test_an_owner_not_linked_is_refused_over_the_socket(meeting, people):
    from meetings.services import motions as svc

    stranger = await database_sync_to_async(lambda: make_member(meeting.community))()
    motion_id = await database_sync_to_async(
        lambda: svc.motion_open(
            meeting=meeting, by=people["chair"].user, text="外墙翻新", rule="civil_code_278", agenda_item=None
        ).payload["id"]
    )()
    phone = await open_socket(meeting, stranger)
    await hello(phone)
    await phone.send_json_to({"type": "ballot.cast", "client_id": "s1", "motion": motion_id, "choice": "for"})
    reply = await until(phone, lambda m: m["type"] in ("ack", "error"))
    assert reply["type"] == "error" and reply["code"] == "forbidden"
    assert not await database_sync_to_async(Ballot.objects.filter(motion_id=motion_id).exists)()
    await phone.disconnect()


# --- The socket stays up and costs what it should ---------------------------------------------


def relay_of(meeting):
    from meetings import live

    return next((r for key, r in live._relays.items() if key[1] == meeting.pk), None)


@pytest.mark.parametrize(
    "frame",
    [
        "[" * 5000 + "]" * 5000,  # under the size limit, deeper than the JSON parser's recursion
        '{"type": "ping", "x": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"type": "entry.add", "client_id": "d", "text": ' + '{"a":' * 2500 + "1" + "}" * 2500 + "}",
        "[" * 100_000 + "]" * 100_000,  # the size limit answers this one
    ],
    ids=["array", "inside-ping", "inside-write", "huge"],
)
async def test_a_deeply_nested_frame_gets_an_error_and_the_socket_stays_usable(meeting, secretary, frame):
    communicator = await open_socket(meeting, secretary)
    await hello(communicator)
    await communicator.send_to(text_data=frame)
    reply = await communicator.receive_json_from()
    assert reply["type"] == "error" and reply["code"] in {"bad_json", "too_large"}
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    assert len(relay_of(meeting).members) == 1
    await communicator.disconnect()


async def test_a_handler_that_fails_answers_an_error_and_the_socket_stays_usable(
    meeting, secretary, monkeypatch
):
    failures = []

    async def broken_ping(self, message):
        if not failures:
            failures.append(True)
            raise RuntimeError("database went away")
        await self.send_json({"type": "pong"})

    monkeypatch.setattr(consumers.LiveMeetingConsumer, "on_ping", broken_ping)
    communicator = await open_socket(meeting, secretary)
    await communicator.send_json_to({"type": "ping"})
    reply = await communicator.receive_json_from()
    assert reply["type"] == "error" and reply["code"] == "server_error"
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


async def test_a_consumer_that_dies_leaves_its_relay(meeting, monkeypatch):
    survivor = await open_socket(meeting)
    await hello(survivor)
    doomed = await open_socket(meeting)
    relay = relay_of(meeting)
    assert len(relay.members) == 2

    async def crash(self, text_data=None, bytes_data=None):
        raise RuntimeError("a bug outside the handlers")

    monkeypatch.setattr(consumers.LiveMeetingConsumer, "receive", crash)
    await doomed.send_json_to({"type": "ping"})
    with pytest.raises(RuntimeError):
        await doomed.receive_output(timeout=3)
    assert len(relay.members) == 1 and relay_of(meeting) is relay
    await survivor.disconnect()
    assert relay_of(meeting) is None


async def test_a_relay_that_fails_to_start_does_not_hang_later_viewers(meeting, monkeypatch):
    from meetings import live

    real_start = live.Relay.start
    failures = []

    async def failing_once(self):
        if not failures:
            failures.append(True)
            await asyncio.sleep(0.5)  # long enough for a second viewer to wait on the same start
            raise ConnectionError("channel layer unreachable")
        await real_start(self)

    monkeypatch.setattr(live.Relay, "start", failing_once)

    async def attempt():
        communicator = WebsocketCommunicator(
            application, f"/ws/meetings/{meeting.pk}/live/", headers=[(b"origin", b"http://testserver")]
        )
        connected, code = await communicator.connect(timeout=3)
        return communicator, connected, code

    first_attempt = asyncio.ensure_future(attempt())
    while relay_of(meeting) is None:  # the first viewer is starting the relay...
        await asyncio.sleep(0.01)
    second = await asyncio.wait_for(attempt(), timeout=5)  # ...and the second waits on that start
    first = await asyncio.wait_for(first_attempt, timeout=5)
    assert [first[1:], second[1:]] == [(False, 1011), (False, 1011)]  # both told, neither left waiting
    assert relay_of(meeting) is None
    later, connected, _code = await asyncio.wait_for(attempt(), timeout=5)
    assert connected
    events, reply = await hello(later)
    assert reply == {"type": "hello", "last_seq": 0}
    assert len(relay_of(meeting).members) == 1
    for communicator, *_ in (first, second):
        await communicator.disconnect()
    await later.disconnect()


def store_history(meeting, n):
    from django.db import transaction

    from meetings import live

    with transaction.atomic():
        live.lock(meeting)
        for i in range(n):
            live.record(meeting=meeting, kind="entry", payload={"text": f"第{i}条"})


async def test_asking_for_the_whole_history_again_and_again_is_rate_limited(meeting):
    history = 200
    await database_sync_to_async(store_history)(meeting, history)
    communicator = await open_socket(meeting)  # anonymous, on a public meeting
    loop = asyncio.get_running_loop()
    began = loop.time()
    hellos = 0
    while loop.time() - began < 3:  # hello {last_seq: 0}, 15 times a second
        await communicator.send_json_to({"type": "hello", "last_seq": 0})
        hellos += 1
        await asyncio.sleep(1 / 15)
    events = errors = 0
    while not await communicator.receive_nothing(timeout=0.5):
        message = await communicator.receive_json_from()
        events += message["type"] == "event"
        errors += message.get("code") == "rate_limited"
    elapsed = loop.time() - began
    assert hellos >= 40 and errors >= 1
    # What the bucket allows: each accepted hello costs 1 + history / REPLAY_EVENTS_PER_TOKEN tokens.
    cost = 1 + history / consumers.REPLAY_EVENTS_PER_TOKEN
    affordable = (consumers.RATE_BURST + consumers.RATE_PER_SECOND * elapsed) / cost + 1
    assert events <= history * affordable
    assert events <= hellos * history / 5  # not one full history per hello
    # Once the bucket has refilled, the client is served again.
    await asyncio.sleep(cost / consumers.RATE_PER_SECOND + 0.2)
    replayed, reply = await hello(communicator)
    assert len(replayed) == history and reply["last_seq"] == history
    await communicator.disconnect()
