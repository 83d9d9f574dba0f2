"""Issue 13, must-show 1 (service level): a written consultation from the draft to the sealed
result, every channel, a bulk proxy, a replaced ballot, reminders to non-voters — and each
refusal a person would meet on the way."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cms.services import NotFound, ServiceError
from deliberation import sms
from deliberation.models import Notification
from meetings.models import OwnersBallot, OwnersBallotChange, OwnersVote
from meetings.services import owners_votes as services
from tests.factories import UserFactory, make_member

from .conftest import at, choices, photo

pytestmark = pytest.mark.django_db
Channel = OwnersVote.Channel


def test_a_draft_needs_questions_a_period_and_channels(community, organiser):
    now = timezone.now()
    base = dict(
        community=community, by=organiser, title="表决", opens_at=now, closes_at=now + timedelta(days=1)
    )
    with pytest.raises(ServiceError, match="at least one question"):
        services.owners_vote_create(**base, questions=[("  ", "ordinary")], channels=["paper"])
    with pytest.raises(ServiceError, match="ordinary or a major"):
        services.owners_vote_create(**base, questions=[("问", "huge")], channels=["paper"])
    with pytest.raises(ServiceError, match="close after it opens"):
        services.owners_vote_create(
            **{**base, "closes_at": now}, questions=[("问", "ordinary")], channels=["paper"]
        )
    with pytest.raises(ServiceError, match="ways owners may vote"):
        services.owners_vote_create(**base, questions=[("问", "ordinary")], channels=["fax"])
    with pytest.raises(ServiceError, match="organise"):
        services.owners_vote_create(
            **{**base, "by": make_member(community)}, questions=[("问", "ordinary")], channels=["paper"]
        )
    assert not OwnersVote.objects.exists()


def test_announcing_too_late_is_refused_and_says_when_it_could_open(draft, organiser):
    draft.opens_at = timezone.now() + timedelta(days=10)
    draft.save()
    with pytest.raises(ServiceError, match="15 days before it opens"):
        services.owners_vote_announce(vote=draft, by=organiser)
    draft.refresh_from_db()
    assert draft.status == OwnersVote.Status.DRAFT


def test_the_announcement_reaches_every_owner_on_the_roster(open_vote, roster):
    assert open_vote.status == OwnersVote.Status.ANNOUNCED
    linked_user = roster["linked"].user
    assert Notification.objects.filter(
        user=linked_user, key__startswith=f"owners-vote-{open_vote.pk}-announced"
    ).exists()
    to_phone = [m for m in sms.outbox if m.phone == "+8613900000001"]
    assert [m.template for m in to_phone] == ["owners_vote_notice"]
    assert to_phone[0].params["title"].startswith("使用维修资金")


def test_ballots_on_every_channel_with_evidence_where_required(open_vote, roster, collector):
    households, owners = roster["households"], roster["owners"]
    when = at(open_vote)
    online = services.owners_ballot_cast(
        vote=open_vote,
        household=households[0],
        choices=choices(open_vote, "for", "for"),
        channel=Channel.ONLINE,
        by=roster["linked"].user,
        now=when,
    )
    assert online.ballot.owner == roster["linked"] and online.receipt
    with pytest.raises(ServiceError, match="photo of the signed ballot"):
        services.owners_ballot_cast(
            vote=open_vote,
            household=households[1],
            choices=choices(open_vote, "for", "against"),
            channel=Channel.PAPER,
            by=collector,
            owner=owners[1],
            now=when,
        )
    paper = services.owners_ballot_cast(
        vote=open_vote,
        household=households[1],
        choices=choices(open_vote, "for", "against"),
        channel=Channel.PAPER,
        by=collector,
        owner=owners[1],
        evidence=photo(),
        now=when,
    )
    assert paper.ballot.evidence.name and paper.ballot.entered_by == collector
    onsite = services.owners_ballot_cast(
        vote=open_vote,
        household=households[2],
        choices=choices(open_vote, "against", "abstain"),
        channel=Channel.ONSITE,
        by=collector,
        owner=owners[2],
        now=when,
    )
    video = services.owners_ballot_cast(
        vote=open_vote,
        household=households[4],
        choices=choices(open_vote, "for", "for"),
        channel=Channel.VIDEO,
        by=collector,
        owner=roster["co_owners"][1],
        now=when,
    )
    assert {b.channel for b in OwnersBallot.objects.filter(vote=open_vote)} == {
        "online",
        "paper",
        "onsite",
        "video",
    }
    assert onsite.ballot.evidence.name == "" and video.ballot.owner == roster["co_owners"][1]


def test_who_may_enter_what(open_vote, roster, collector, community, other_community):
    households, owners = roster["households"], roster["owners"]
    pick = choices(open_vote, "for", "for")
    when = at(open_vote)
    with pytest.raises(ServiceError, match="owner of this household"):  # someone else's household online
        services.owners_ballot_cast(
            vote=open_vote,
            household=households[1],
            choices=pick,
            channel=Channel.ONLINE,
            by=roster["linked"].user,
            now=when,
        )
    with pytest.raises(ServiceError, match="organisers and the residents' representatives"):
        services.owners_ballot_cast(
            vote=open_vote,
            household=households[1],
            choices=pick,
            channel=Channel.ONSITE,
            by=make_member(community),
            owner=owners[1],
            now=when,
        )
    with pytest.raises(ServiceError, match="Name the owner"):
        services.owners_ballot_cast(
            vote=open_vote,
            household=households[1],
            choices=pick,
            channel=Channel.ONSITE,
            by=collector,
            now=when,
        )
    with pytest.raises(ServiceError, match="not an owner of this household"):
        services.owners_ballot_cast(
            vote=open_vote,
            household=households[1],
            choices=pick,
            channel=Channel.ONSITE,
            by=collector,
            owner=owners[2],
            now=when,
        )
    with pytest.raises(ServiceError, match="every question"):
        services.owners_ballot_cast(
            vote=open_vote,
            household=households[1],
            choices={str(open_vote.questions.first().pk): "for"},
            channel=Channel.ONSITE,
            by=collector,
            owner=owners[1],
            now=when,
        )
    from deliberation.models import Building
    from tests.factories import HouseholdFactory

    elsewhere = HouseholdFactory(building=Building.objects.create(community=other_community, name="外楼"))
    with pytest.raises(NotFound):
        services.owners_ballot_cast(
            vote=open_vote, household=elsewhere, choices=pick, channel=Channel.ONSITE, by=collector, now=when
        )
    assert not OwnersBallot.objects.exists()


def test_no_ballot_before_the_opening_or_after_the_close(open_vote, roster, collector):
    kwargs = dict(
        vote=open_vote,
        household=roster["households"][2],
        choices=choices(open_vote, "for", "for"),
        channel=Channel.ONSITE,
        by=collector,
        owner=roster["owners"][2],
    )
    with pytest.raises(ServiceError, match="opens on"):
        services.owners_ballot_cast(**kwargs, now=open_vote.opens_at - timedelta(minutes=1))
    with pytest.raises(ServiceError, match="not open"):
        services.owners_ballot_cast(**kwargs, now=open_vote.closes_at)


def test_a_channel_the_vote_does_not_take_is_refused(draft, organiser, roster, collector):
    draft.channels = ["online", "paper"]
    draft.save()
    services.owners_vote_announce(vote=draft, by=organiser)
    with pytest.raises(ServiceError, match="does not take ballots that way"):
        services.owners_ballot_cast(
            vote=draft,
            household=roster["households"][2],
            choices=choices(draft, "for", "for"),
            channel=Channel.ONSITE,
            by=collector,
            owner=roster["owners"][2],
            now=at(draft),
        )


def test_a_later_ballot_replaces_the_earlier_and_both_stay_in_the_trail(open_vote, roster, collector):
    household, owner = roster["households"][2], roster["owners"][2]
    first = services.owners_ballot_cast(
        vote=open_vote,
        household=household,
        choices=choices(open_vote, "for", "for"),
        channel=Channel.PAPER,
        by=collector,
        owner=owner,
        evidence=photo(),
        now=at(open_vote),
    )
    second = services.owners_ballot_cast(
        vote=open_vote,
        household=household,
        choices=choices(open_vote, "against", "for"),
        channel=Channel.ONSITE,
        by=collector,
        owner=owner,
        now=at(open_vote, 5),
    )
    assert second.replaced and not first.replaced
    assert OwnersBallot.objects.filter(vote=open_vote, household=household).count() == 1
    ballot = OwnersBallot.objects.get(vote=open_vote, household=household)
    assert ballot.version == 2 and ballot.channel == "onsite" and ballot.evidence.name == ""
    trail = list(OwnersBallotChange.objects.filter(ballot=ballot).values_list("version", "channel"))
    assert trail == [(1, "paper"), (2, "onsite")]
    old = services.owners_receipt_check(vote=open_vote, code=first.receipt)
    new = services.owners_receipt_check(vote=open_vote, code=second.receipt.lower().replace("-", " "))
    assert not old["counted"] and old["replaced_at"] == at(open_vote, 5) and old["channel"] == "Paper ballot"
    assert new["counted"] and [c for _q, c in new["choices"]] == ["against", "for"]
    with pytest.raises(NotFound):
        services.owners_receipt_check(vote=open_vote, code="ABCDE-FGHJK")


def test_a_bulk_proxy_enters_all_or_none(open_vote, roster, collector):
    households, owners = roster["households"], roster["owners"]
    entries = [
        (households[1], owners[1], choices(open_vote, "for", "for"), photo("p1.jpg")),
        (households[2], owners[2], choices(open_vote, "against", "for"), None),  # its proxy form is missing
    ]
    with pytest.raises(ServiceError, match="5号楼-1单元-103: Attach a photo"):
        services.owners_proxy_bulk(
            vote=open_vote, by=collector, proxy_holder="王律师", entries=entries, now=at(open_vote)
        )
    assert not OwnersBallot.objects.exists()
    entries[1] = (households[2], owners[2], choices(open_vote, "against", "for"), photo("p2.jpg"))
    cast = services.owners_proxy_bulk(
        vote=open_vote, by=collector, proxy_holder=" 王律师 ", entries=entries, now=at(open_vote)
    )
    assert len(cast) == 2 and all(c.receipt for c in cast)
    ballots = OwnersBallot.objects.filter(vote=open_vote).order_by("household__room")
    assert [(b.channel, b.proxy_holder, b.owner_id) for b in ballots] == [
        ("proxy", "王律师", owners[1].pk),
        ("proxy", "王律师", owners[2].pk),
    ]
    with pytest.raises(ServiceError, match="Name the proxy holder"):
        services.owners_proxy_bulk(
            vote=open_vote, by=collector, proxy_holder="", entries=entries[:1], now=at(open_vote)
        )


def test_turnout_shows_participation_and_never_a_choice(open_vote, roster, collector):
    services.owners_ballot_cast(
        vote=open_vote,
        household=roster["households"][0],
        choices=choices(open_vote, "for", "for"),
        channel=Channel.ONLINE,
        by=roster["linked"].user,
        now=at(open_vote),
    )
    turnout = services.owners_vote_turnout(open_vote)
    assert turnout["participating_area"] == "100.00" and turnout["total_area"] == "600.00"
    assert turnout["participating_heads"] == "1" and turnout["total_heads"] == "6"
    assert not turnout["area_reached"] and turnout["by_channel"]["online"] == 1
    assert "for" not in str(turnout) and "against" not in str(turnout)


def test_reminders_go_once_to_the_households_that_have_not_voted(
    open_vote, roster, collector, django_capture_on_commit_callbacks
):
    services.owners_ballot_cast(
        vote=open_vote,
        household=roster["households"][0],
        choices=choices(open_vote, "for", "for"),
        channel=Channel.ONLINE,
        by=roster["linked"].user,
        now=at(open_vote),
    )
    assert services.owners_votes_remind_due(now=at(open_vote)) == 0  # not yet: more than 3 days left
    near_end = open_vote.closes_at - timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.owners_votes_remind_due(now=near_end) == 1
        assert services.owners_votes_remind_due(now=near_end + timedelta(hours=1)) == 0
    reminders = [m for m in sms.outbox if m.template == "owners_vote_reminder"]
    assert [m.phone for m in reminders] == ["+8613900000001"]  # the phone-only owner, who has not voted
    assert (
        not Notification.objects.filter(key__contains="-reminder:")
        .filter(user=roster["linked"].user)
        .exists()
    )


def test_close_computes_both_measures_seals_and_is_idempotent(open_vote, roster, collector, organiser):
    households, owners = roster["households"], roster["owners"]
    for i, picks in ((1, ("for", "for")), (2, ("for", "against")), (3, ("for", "for"))):
        services.owners_ballot_cast(
            vote=open_vote,
            household=households[i],
            choices=choices(open_vote, *picks),
            channel=Channel.ONSITE,
            by=collector,
            owner=owners[i],
            now=at(open_vote),
        )
    services.owners_ballot_cast(
        vote=open_vote,
        household=households[4],
        choices=choices(open_vote, "for", "for"),
        channel=Channel.ONSITE,
        by=collector,
        owner=roster["co_owners"][0],
        now=at(open_vote),
    )
    with pytest.raises(ServiceError, match="runs until"):
        services.owners_vote_close(vote=open_vote, by=organiser, now=at(open_vote, 2))
    closed = services.owners_vote_close(vote=open_vote, by=organiser, now=open_vote.closes_at)
    assert closed.status == OwnersVote.Status.CLOSED and len(closed.seal) == 64
    major, ordinary = (closed.result[str(q.pk)] for q in closed.questions.all())
    # 4 of 6 heads and 400 of 600 m² took part: exactly two thirds, the quorum.
    assert major["figures"]["turnout_ok"] and major["figures"]["participating_heads"] == "4"
    assert major["passed"] and major["figures"]["threshold"] == "3/4"
    assert ordinary["passed"] and ordinary["figures"]["heads"]["against"] == "1"
    again = services.owners_vote_close(vote=closed, now=closed.closes_at + timedelta(days=1))
    assert again.seal == closed.seal and again.closed_at == closed.closed_at
    assert services.seal_of(closed) == closed.seal
    with pytest.raises(ServiceError, match="not open"):
        services.owners_ballot_cast(
            vote=closed,
            household=households[0],
            choices=choices(closed, "for", "for"),
            channel=Channel.ONLINE,
            by=roster["linked"].user,
            now=closed.closes_at - timedelta(minutes=1),
        )


def test_an_outsider_sees_neither_a_draft_nor_its_turnout(client, draft, roster):
    client.force_login(UserFactory())
    assert client.get(f"/owners-votes/{draft.pk}/").status_code == 403


def test_the_deadlines_task_reminds_and_closes(open_vote, roster, django_capture_on_commit_callbacks):
    from cms.tasks import deadlines_run

    with django_capture_on_commit_callbacks(execute=True):
        counts = deadlines_run(now=open_vote.closes_at - timedelta(days=1))
    assert counts["owners_votes_reminded"] == 1 and counts["owners_votes_closed"] == 0
    counts = deadlines_run(now=open_vote.closes_at)
    assert counts["owners_votes_closed"] == 1
    open_vote.refresh_from_db()
    assert open_vote.status == OwnersVote.Status.CLOSED and open_vote.seal


def test_announcing_stores_one_task_and_the_worker_tells_the_owners(draft, organiser, roster, settings):
    """With the task worker's database backend the click stores one task in its transaction;
    the owners' notices are written when the worker runs it."""
    from django_tasks_db.models import DBTaskResult

    from meetings.tasks import tell_owners_of_vote

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    services.owners_vote_announce(vote=draft, by=organiser)
    assert DBTaskResult.objects.filter(task_path="meetings.tasks.tell_owners_of_vote").count() == 1
    linked = roster["linked"].user
    assert not Notification.objects.filter(user=linked).exists()
    assert tell_owners_of_vote.call(draft.pk) == 2  # the linked owner's inbox, the phone-only owner's SMS
    assert Notification.objects.filter(
        user=linked, key__startswith=f"owners-vote-{draft.pk}-announced"
    ).exists()
    assert tell_owners_of_vote.call(draft.pk) == 1  # run twice: the inbox notice is not stored again
    from deliberation.models import Delivery

    assert Delivery.objects.filter(address="+8613900000001", about=f"owners-vote:{draft.pk}").count() == 1
