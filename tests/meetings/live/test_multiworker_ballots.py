"""200 voters cast and change ballots at the same moment over WebSockets, through two ASGI
workers on one database (SQLite file or PostgreSQL) and Redis: the final tally equals every
voter's last ballot, with one ballot row per voter and one audit row per change."""

import asyncio
import json
import random
import time

import pytest
from channels.db import database_sync_to_async

from meetings import live
from meetings.models import Attendance, Ballot, BallotChange, Meeting, Motion, Participant
from meetings.services.motions import motion_open, motion_tally
from tests.factories import UserFactory, four_parties, make_meeting, session_cookie

from .live_servers import Workers, connect, hello

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

VOTERS = 200
ROUNDS = 3


def build(community):
    meeting = make_meeting(community)
    people = four_parties(meeting)
    voters = []
    for i in range(VOTERS):
        user = UserFactory()
        participant = Participant.objects.create(
            meeting=meeting, user=user, name=f"代表{i}", party="residents", role="member", votes=True
        )
        voters.append(participant)
    Attendance.objects.bulk_create(Attendance(meeting=meeting, participant=p) for p in voters)
    event = motion_open(meeting=meeting, by=people["chair"].user, text="是否同意加装电梯", agenda_item=None)
    motion = Motion.objects.get(pk=event.payload["id"])
    motion.eligible.set(voters)  # exactly the 200 voters
    keys = [session_cookie(p.user) for p in voters]
    return meeting, motion, voters, keys


async def vote(ws, voter_index, motion_id, choices, start):
    await start.wait()
    for n, choice in enumerate(choices):
        await ws.send(
            json.dumps(
                {
                    "type": "ballot.cast",
                    "client_id": f"v{voter_index}-{n}",
                    "motion": motion_id,
                    "choice": choice,
                }
            )
        )
    acks = []
    async with asyncio.timeout(120):
        while len(acks) < len(choices):
            message = json.loads(await ws.recv())
            assert message["type"] != "error", message
            if message["type"] == "ack":
                acks.append(message)
    return acks


async def test_200_voters_cast_and_change_ballots_at_once(community):
    meeting, motion, voters, keys = await database_sync_to_async(build)(community)
    rng = random.Random(278)
    plans = [[rng.choice(["for", "against", "abstain"]) for _ in range(ROUNDS)] for _ in voters]

    with Workers(2) as workers:
        viewer = await connect(workers, 0, meeting.pk)
        await hello(viewer)
        sockets = []
        for wave in range(0, VOTERS, 25):  # connect in waves; the ballots below all go at once
            sockets += await asyncio.gather(
                *(connect(workers, i % 2, meeting.pk, keys[i]) for i in range(wave, min(wave + 25, VOTERS)))
            )
        try:
            start = asyncio.Event()
            tasks = [
                asyncio.create_task(vote(ws, i, motion.pk, plans[i], start)) for i, ws in enumerate(sockets)
            ]
            began = time.monotonic()
            start.set()
            acks = await asyncio.gather(*tasks)
            # Each voter's last ack reports the choice the server holds for them.
            assert [a[-1]["ballot"]["choice"] for a in acks] == [plan[-1] for plan in plans]

            expected = {c: sum(1 for plan in plans if plan[-1] == c) for c in ("for", "against", "abstain")}
            tallies = []
            async with asyncio.timeout(30):
                while True:
                    message = json.loads(await viewer.recv())
                    if message["type"] == "event" and message["kind"] == "tally":
                        tallies.append(message)
                        figures = message["data"]["result"]["figures"]
                        if figures["cast"] == VOTERS and all(figures[c] == n for c, n in expected.items()):
                            elapsed = time.monotonic() - began
                            break
        finally:
            await asyncio.gather(*(ws.close() for ws in [viewer, *sockets]))

    final = await database_sync_to_async(
        lambda: dict(Ballot.objects.filter(motion=motion).values_list("participant_id", "choice"))
    )()
    assert len(final) == VOTERS  # one row per voter: no duplicates
    assert final == {voter.pk: plan[-1] for voter, plan in zip(voters, plans, strict=True)}
    changes = sum(1 + sum(1 for a, b in zip(plan, plan[1:], strict=False) if a != b) for plan in plans)
    assert await database_sync_to_async(BallotChange.objects.filter(motion=motion).count)() == changes
    result = await database_sync_to_async(motion_tally)(motion)
    assert {c: result.figures[c] for c in expected} == expected
    # Coalesced: at most one tally per window per worker (plus the edges), not one per ballot.
    assert len(tallies) <= 2 * (elapsed / live.TALLY_WINDOW + 2)
    assert len(tallies) < VOTERS
    meeting_status = await database_sync_to_async(lambda: Meeting.objects.get(pk=meeting.pk).status)()
    assert meeting_status == Meeting.Status.IN_PROGRESS
