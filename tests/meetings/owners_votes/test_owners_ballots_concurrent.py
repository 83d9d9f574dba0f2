"""Issue 13, must-show 3: 300 owners cast their online ballots at once, each from their own
logged-in session, over HTTP against a live server on PostgreSQL — and then all vote again. Every
ballot counts once: one ballot per household, one audit row per version, turnout 300 heads.

PostgreSQL allows 100 connections (shared with other test runs), and each request in flight on
the live server holds one; so 300 sessions send their ballots through ``IN_FLIGHT`` client
threads, all released together by a barrier.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from django.utils.crypto import get_random_string

from deliberation.models import Building, Household, Owner, User
from meetings.models import OwnersBallot, OwnersBallotChange, OwnersVote, VoteQuestion
from meetings.services import owners_votes as services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OWNERS = 300
IN_FLIGHT = 30
CSRF_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def build_roster(community):
    """300 households, each with one owner linked to their own account (test setup, in bulk)."""
    building = Building.objects.create(community=community, name="9号楼")
    Household.objects.bulk_create(
        Household(
            building=building, unit=f"{1 + i // 100}单元", room=f"{101 + i % 100}", area=Decimal("88.00")
        )
        for i in range(OWNERS)
    )
    households = list(Household.objects.filter(building=building).order_by("pk"))
    User.objects.bulk_create(
        User(
            username=f"ov-owner-{i}", email=f"ov-owner-{i}@example.org", display_name=f"业主{i}", password="!"
        )
        for i in range(OWNERS)
    )
    users = list(User.objects.filter(username__startswith="ov-owner-").order_by("pk"))
    now = timezone.now()
    Owner.objects.bulk_create(
        Owner(household=household, name=f"业主{i}", user=user, linked_at=now)
        for i, (household, user) in enumerate(zip(households, users, strict=True))
    )
    return list(zip(households, users, strict=True))


def session_for(user) -> requests.Session:
    """A browser's session: the login cookie and a CSRF cookie with its matching form token."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    session = requests.Session()
    session.csrf = get_random_string(32, CSRF_CHARS)
    session.cookies.set(settings.SESSION_COOKIE_NAME, store.session_key)
    session.cookies.set(settings.CSRF_COOKIE_NAME, session.csrf)
    return session


def cast_all(live_server, vote, voters, pick):
    """Every session posts its household's ballot; the barrier starts them together."""
    questions = list(vote.questions.values_list("pk", flat=True))
    barrier = threading.Barrier(IN_FLIGHT)
    started = threading.local()

    def cast(item):
        household, session = item
        if not getattr(started, "done", False):
            barrier.wait(timeout=60)
            started.done = True
        data = {"csrfmiddlewaretoken": session.csrf, "household": household.pk}
        data.update({f"q{q}": pick(household) for q in questions})
        response = session.post(
            f"{live_server.url}/owners-votes/{vote.pk}/ballot/",
            data=data,
            allow_redirects=False,
            timeout=120,
        )
        return response.status_code, response.headers.get("Location", ""), response.text[:300]

    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        return list(pool.map(cast, voters))


def test_300_owners_vote_at_once_and_each_ballot_counts_once(live_server, community, worker):
    now = timezone.now()
    vote = OwnersVote.objects.create(
        community=community,
        title="选聘物业服务企业",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        channels=["online", "paper"],
        status=OwnersVote.Status.ANNOUNCED,
        announced_at=now - timedelta(days=16),
        created_by=worker,
    )
    VoteQuestion.objects.create(vote=vote, position=0, text="同意续聘", matter=VoteQuestion.Matter.ORDINARY)
    VoteQuestion.objects.create(vote=vote, position=1, text="同意调价", matter=VoteQuestion.Matter.MAJOR)
    roster = build_roster(community)
    voters = [(household, session_for(user)) for household, user in roster]

    first = cast_all(live_server, vote, voters, lambda h: "for" if h.pk % 2 else "against")
    assert [status for status, _location, _text in first] == [302] * OWNERS, [
        r for r in first if r[0] != 302
    ][:3]
    assert all(location.endswith(f"/owners-votes/{vote.pk}/ballot/receipt/") for _s, location, _t in first)
    assert OwnersBallot.objects.filter(vote=vote).count() == OWNERS
    assert OwnersBallotChange.objects.filter(ballot__vote=vote).count() == OWNERS
    assert set(OwnersBallot.objects.filter(vote=vote).values_list("version", flat=True)) == {1}
    turnout = services.owners_vote_turnout(vote)
    assert turnout["participating_heads"] == str(OWNERS) and turnout["ballots"] == OWNERS
    assert turnout["by_channel"]["online"] == OWNERS

    # The second wave: everyone changes their mind at once; each ballot is replaced exactly once.
    second = cast_all(live_server, vote, voters, lambda h: "abstain")
    assert [status for status, _location, _text in second] == [302] * OWNERS, [
        r for r in second if r[0] != 302
    ][:3]
    ballots = OwnersBallot.objects.filter(vote=vote)
    assert ballots.count() == OWNERS
    assert set(ballots.values_list("version", flat=True)) == {2}
    assert all(set(choices.values()) == {"abstain"} for choices in ballots.values_list("choices", flat=True))
    assert OwnersBallotChange.objects.filter(ballot__vote=vote).count() == 2 * OWNERS
    assert OwnersBallotChange.objects.filter(ballot__vote=vote, version=2).count() == OWNERS
    assert services.owners_vote_turnout(vote)["participating_heads"] == str(OWNERS)
