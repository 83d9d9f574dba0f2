"""The console's HTTP form and the live socket cast a ballot through one service, which decides how
the tally is published: coalesced on the serving event loop, whichever path the ballot came by."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.test import AsyncClient
from django.urls import reverse

from meetings import live
from meetings.models import Ballot, LiveEvent, Motion
from meetings.services.motions import motion_open
from tests.factories import four_parties, make_meeting

from .test_live_socket import hello, open_socket, until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

VOTERS = ("chair", "committee", "property", "residents")


def setup_motion(community):
    meeting = make_meeting(community)
    people = four_parties(meeting)
    event = motion_open(meeting=meeting, by=people["chair"].user, text="加装电梯", agenda_item=None)
    return meeting, people, Motion.objects.get(pk=event.payload["id"])


async def collect_tallies(socket, expected_cast, expected_for=None):
    """The tallies up to the one showing the final ballots (a tally published mid-way may already
    count every voter, with some of them still on their first choice)."""
    tallies = []
    while True:
        message = await socket.receive_json_from(timeout=5)
        if message["type"] == "event" and message["kind"] == "tally":
            tallies.append(message)
            figures = message["data"]["result"]["figures"]
            if figures["cast"] == expected_cast and expected_for in (None, figures["for"]):
                return tallies


async def test_ballots_posted_through_the_form_are_coalesced_like_socket_ballots(community, monkeypatch):
    monkeypatch.setattr(live, "TALLY_WINDOW", 1.0)
    meeting, people, motion = await database_sync_to_async(setup_motion)(community)
    viewer = await open_socket(meeting, people["secretary"].user)
    await hello(viewer)
    url = reverse("meeting_live_ballot_cast", args=[meeting.pk, motion.pk])
    began = asyncio.get_running_loop().time()
    for round_, choice in enumerate(("against", "for")):  # every voter changes their mind once
        for name in VOTERS:
            client = AsyncClient()
            await client.aforce_login(people[name].user)
            response = await client.post(url, {"choice": choice, "client_id": f"{name}-{round_}"})
            assert response.status_code == 302
    assert await Ballot.objects.filter(motion=motion, choice="for").acount() == 4
    tallies = await collect_tallies(viewer, expected_cast=4, expected_for=4)
    elapsed = asyncio.get_running_loop().time() - began
    # Eight changes; before, each form post published its own tally (eight events at once).
    assert len(tallies) <= elapsed / live.TALLY_WINDOW + 1
    assert len(tallies) < 8
    assert tallies[-1]["data"]["result"]["figures"]["for"] == 4
    stored = await LiveEvent.objects.filter(meeting=meeting, kind="tally").acount()
    assert stored == len(tallies)
    await viewer.disconnect()


async def test_a_form_ballot_and_a_socket_ballot_reach_the_same_tally(community, monkeypatch):
    monkeypatch.setattr(live, "TALLY_WINDOW", 0.2)
    meeting, people, motion = await database_sync_to_async(setup_motion)(community)
    viewer = await open_socket(meeting, people["secretary"].user)
    await hello(viewer)
    client = AsyncClient()
    await client.aforce_login(people["committee"].user)
    url = reverse("meeting_live_ballot_cast", args=[meeting.pk, motion.pk])
    assert (await client.post(url, {"choice": "for", "client_id": "form-1"})).status_code == 302
    voter = await open_socket(meeting, people["property"].user)
    await voter.send_json_to(
        {"type": "ballot.cast", "client_id": "sock-1", "motion": motion.pk, "choice": "against"}
    )
    ack = await until(voter, lambda m: m["type"] == "ack")
    assert ack == {"type": "ack", "client_id": "sock-1", "ballot": {"motion": motion.pk, "choice": "against"}}
    tallies = await collect_tallies(viewer, expected_cast=2)
    figures = tallies[-1]["data"]["result"]["figures"]
    assert (figures["for"], figures["against"]) == (1, 1)
    await voter.disconnect()
    await viewer.disconnect()


async def test_a_motion_of_another_meeting_is_not_found_on_both_paths(community):
    meeting, people, _motion = await database_sync_to_async(setup_motion)(community)
    _other, _other_people, foreign = await database_sync_to_async(setup_motion)(community)
    client = AsyncClient()
    await client.aforce_login(people["committee"].user)
    url = reverse("meeting_live_ballot_cast", args=[meeting.pk, foreign.pk])
    assert (await client.post(url, {"choice": "for"})).status_code == 404
    voter = await open_socket(meeting, people["committee"].user)
    await voter.send_json_to(
        {"type": "ballot.cast", "client_id": "x1", "motion": foreign.pk, "choice": "for"}
    )
    reply = await until(voter, lambda m: m["type"] == "error")
    assert reply["code"] == "not_found" and reply["client_id"] == "x1"
    await voter.disconnect()
    assert not await Ballot.objects.filter(motion=foreign).aexists()


def test_a_bad_form_for_a_motion_of_another_meeting_is_still_a_404(client, community):
    meeting, people, motion = setup_motion(community)
    _other, _other_people, foreign = setup_motion(community)
    for name, who in (("meeting_live_ballot_cast", "committee"), ("meeting_live_ballot_proxy", "secretary")):
        client.force_login(people[who].user)
        url = reverse(name, args=[meeting.pk, foreign.pk])
        assert client.post(url, {"choice": "maybe"}).status_code == 404
        own = reverse(name, args=[meeting.pk, motion.pk])
        assert client.post(own, {"choice": "maybe"}).status_code == 302
