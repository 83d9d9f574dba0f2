"""Issue 13, must-show 1 (HTTP part): a written consultation through the pages people use — the
organiser creates and announces, owners and collectors vote on every channel, a bulk proxy, a
replaced ballot, reminders, the close — and who may open which page, and what bad input gets."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cms.tasks import deadlines_run
from deliberation import sms
from deliberation.models import Building, Notification, Role
from meetings.models import OwnersBallot, OwnersBallotChange, OwnersVote, VoteDocument
from meetings.services import owners_votes as services
from meetings.timefmt import local
from tests.factories import HouseholdFactory, OwnerFactory, UserFactory, make_member

from .conftest import at, choices, photo

pytestmark = pytest.mark.django_db
Channel = OwnersVote.Channel


def url(name, vote, **kwargs):
    return reverse(name, kwargs={"vote_id": vote.pk, **kwargs})


def local_input(value) -> str:
    return local(value).strftime("%Y-%m-%dT%H:%M")


def picks(vote, *values, suffix=""):
    return {f"q{q.pk}{suffix}": v for q, v in zip(vote.questions.all(), values, strict=True)}


def receipt_in(response) -> str:
    match = re.search(r"data-receipt>([A-Z0-9]{5}-[A-Z0-9]{5})<", response.content.decode())
    assert match, response.content.decode()[:3000]
    return match.group(1)


def login(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


# --- The full consultation ----------------------------------------------------------------------


def test_a_written_consultation_over_http(
    client, community, roster, collector, django_capture_on_commit_callbacks
):
    organiser, households, owners = roster["worker"], roster["households"], roster["owners"]
    building = households[0].building
    proxied = [
        HouseholdFactory(building=building, room=f"{201 + i}", area=Decimal("100.00")) for i in range(2)
    ]
    proxy_owners = [OwnerFactory(household=h, name=f"委托人{i}") for i, h in enumerate(proxied)]

    # The organiser drafts the vote from the community's list.
    login(client, organiser)
    listing = client.get(reverse("community_owners_votes", kwargs={"community_id": community.pk}))
    assert listing.status_code == 200 and "owners-votes/new/" in listing.content.decode()
    opens = timezone.now() + timedelta(days=16)
    closes = opens + timedelta(days=14)
    response = client.post(
        reverse("owners_vote_create", kwargs={"community_id": community.pk}),
        {
            "title": "使用维修资金更换电梯",
            "description": "更换5号楼两部电梯，预算80万元。",
            "question_1": "同意使用维修资金更换电梯",
            "matter_1": "major",
            "question_2": "同意选聘施工单位",
            "matter_2": "ordinary",
            "matter_3": "ordinary",
            "matter_4": "ordinary",
            "matter_5": "ordinary",
            "opens_at": local_input(opens),
            "closes_at": local_input(closes),
            "channels": list(Channel.values),
            "notice_days": "15",
            "show_turnout_to_owners": "on",
        },
    )
    vote = OwnersVote.objects.get()
    assert response.status_code == 302 and response["Location"] == url("owners_vote_detail", vote)
    assert vote.status == OwnersVote.Status.DRAFT and vote.questions.count() == 2
    assert [q.matter for q in vote.questions.all()] == ["major", "ordinary"]
    assert local(vote.opens_at).strftime("%Y-%m-%dT%H:%M") == local_input(opens)  # Beijing time

    # A document, then the confirm step that says who will be told, then the announcement.
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(url("owners_vote_document_add", vote), {"title": "施工方案", "file": pdf})
    assert response.status_code == 302 and vote.documents.get().file.name.endswith(".pdf")
    confirm = client.get(url("owners_vote_announce", vote))
    assert confirm.status_code == 200
    audience = re.search(r'id="audience">(.*?)</p>', confirm.content.decode(), re.S).group(1)
    # 1 linked owner in the inbox; 1 owner with a mobile on the roster by SMS.
    assert services.owners_vote_audience(vote) == {"inbox": 1, "sms": 1, "owners": 8}
    assert "1" in audience and "8" in audience
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("owners_vote_announce", vote))
    assert response.status_code == 302
    vote.refresh_from_db()
    assert vote.status == OwnersVote.Status.ANNOUNCED
    assert [m.template for m in sms.outbox if m.phone == "+8613900000001"] == ["owners_vote_notice"]

    with time_machine.travel(at(vote), tick=False):
        # Online: the linked owner votes for their household and sees the receipt once.
        owner_client = login(client.__class__(), roster["linked"].user)
        detail = owner_client.get(url("owners_vote_detail", vote)).content.decode()
        assert url("owners_ballot", vote) in detail and url("owners_collect", vote) not in detail
        response = owner_client.post(
            url("owners_ballot", vote), {"household": households[0].pk, **picks(vote, "for", "for")}
        )
        assert response.status_code == 302 and response["Location"] == url("owners_ballot_receipt", vote)
        receipt_page = owner_client.get(response["Location"])
        first_receipt = receipt_in(receipt_page)
        assert "Keep this code to check your ballot later" in receipt_page.content.decode()
        assert owner_client.get(url("owners_ballot_receipt", vote)).status_code == 302  # shown once

        # Paper with its photo, on site, video: entered by a volunteer on the collect page.
        collector_client = login(client.__class__(), collector)
        search = collector_client.get(url("owners_collect", vote), {"q": "5号楼1单元103"})
        assert search.context["household"] == households[2]
        for household, owner, channel, evidence, values in (
            (households[2], owners[2], "paper", photo(), ("for", "against")),
            (households[3], owners[3], "onsite", None, ("for", "for")),
            (households[4], roster["co_owners"][1], "video", None, ("against", "abstain")),
        ):
            data = {"household": household.pk, "owner": owner.pk, "channel": channel, **picks(vote, *values)}
            if evidence:
                data["evidence"] = evidence
            response = collector_client.post(url("owners_collect", vote), data)
            assert response.status_code == 302, response.content.decode()[:2000]
            page = collector_client.get(response["Location"])
            assert (
                receipt_in(page)
                and page.context["entered"] == OwnersBallot.objects.filter(entered_by=collector).count()
            )
        assert page.context["entered"] == 3 and page.context["form"].is_bound is False

        # A bulk proxy of two owners, each with their signed proxy form.
        response = collector_client.post(
            url("owners_proxy", vote),
            {
                "proxy_holder": "王律师",
                "rows": "2",
                "household_1": "5 1 201",
                "household_2": "5-1-202",
                "evidence_1": photo("p1.jpg"),
                "evidence_2": photo("p2.jpg"),
                **picks(vote, "for", "for", suffix="_1"),
                **picks(vote, "for", "against", suffix="_2"),
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        page = collector_client.get(response["Location"]).content.decode()
        assert page.count("data-receipt") == 2
        proxies = OwnersBallot.objects.filter(vote=vote, channel="proxy").order_by("household__room")
        assert [(b.owner, b.proxy_holder) for b in proxies] == [
            (proxy_owners[0], "王律师"),
            (proxy_owners[1], "王律师"),
        ]

    with time_machine.travel(at(vote, 30), tick=False):
        # The owner changes their mind: the new ballot replaces the first, both stay in the trail.
        owner_client = login(client.__class__(), roster["linked"].user)
        ballot_page = owner_client.get(url("owners_ballot", vote)).content.decode()
        assert "Voting again replaces that ballot" in ballot_page
        response = owner_client.post(
            url("owners_ballot", vote), {"household": households[0].pk, **picks(vote, "against", "for")}
        )
        receipt_page = owner_client.get(response["Location"]).content.decode()
        assert "It replaces the household's earlier ballot" in receipt_page
        check = owner_client.post(url("owners_receipt_check", vote), {"code": first_receipt})
        assert (
            check.context["found"]["counted"] is False
            and "This ballot was replaced" in check.content.decode()
        )
        assert OwnersBallotChange.objects.filter(ballot__household=households[0]).count() == 2

    # A few days before the end the deadlines task reminds the owners who have not voted.
    sms.outbox.clear()
    with time_machine.travel(vote.closes_at - timedelta(days=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            counts = deadlines_run()
    assert counts["owners_votes_reminded"] == 1
    assert [m.phone for m in sms.outbox if m.template == "owners_vote_reminder"] == ["+8613900000001"]
    assert not Notification.objects.filter(user=roster["linked"].user, key__contains="-reminder:").exists()

    # After the end the organiser closes it; the page shows the result by both measures, sealed.
    with time_machine.travel(vote.closes_at + timedelta(minutes=5), tick=False):
        login(client, organiser)
        detail = client.get(url("owners_vote_detail", vote)).content.decode()
        assert url("owners_vote_close", vote) in detail
        response = client.post(url("owners_vote_close", vote))
        assert response.status_code == 302
        vote.refresh_from_db()
        assert vote.status == OwnersVote.Status.CLOSED and len(vote.seal) == 64
        detail = client.get(url("owners_vote_detail", vote)).content.decode()
    assert vote.seal in detail and 'id="result"' in detail
    assert "Area (m²)" in detail and "Owners" in detail
    major = vote.result[str(vote.questions.first().pk)]["figures"]
    # 6 of the 8 heads and 600 of 800 m² took part (the unsold unit counts as one, the developer).
    assert (major["participating_heads"], major["total_heads"]) == ("6", "8")
    assert (major["participating_area"], major["total_area"]) == ("600.00", "800.00")
    assert OwnersBallot.objects.filter(vote=vote).count() == 6
    assert services.seal_of(vote) == vote.seal

    # ...and published as a resolution with its public-notice period, on the community's list.
    from meetings.models import Resolution

    resolution = Resolution.objects.get(owners_vote=vote)
    assert resolution.notice_days == vote.notice_days and resolution.in_notice
    client.logout()
    page = client.get(reverse("resolution_detail", kwargs={"resolution_id": resolution.pk}))
    assert page.status_code == 200 and vote.seal in page.content.decode()
    listing = client.get(reverse("community_resolutions", kwargs={"community_id": vote.community_id}))
    assert resolution.title in listing.content.decode()


# --- Who may open which page ---------------------------------------------------------------------

ORGANISERS = {"committee", "worker", "admin"}
COLLECTORS = ORGANISERS | {"representative"}


@pytest.fixture
def people(users_by_role, roster):
    return {**users_by_role, "linked owner": roster["linked"].user}


def status_for(client, user, path, method="get"):
    client.logout()
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(path).status_code


@pytest.mark.parametrize(
    "role",
    ["anonymous", "outsider", "resident", "linked owner", "representative", "committee", "worker", "admin"],
)
def test_who_may_open_each_page_of_an_open_vote(client, people, open_vote, role):
    user = people[role]
    vote = open_vote
    expect_login = 302 if user is None else 403
    with time_machine.travel(at(vote), tick=False):
        assert status_for(client, user, url("owners_vote_detail", vote)) == 200
        assert status_for(client, user, url("owners_receipt_check", vote)) == 200
        assert status_for(client, user, url("owners_ballot", vote)) == (
            200 if role in {"linked owner", "admin"} else expect_login
        )
        assert status_for(client, user, url("owners_collect", vote)) == (
            200 if role in COLLECTORS else expect_login
        )
        assert status_for(client, user, url("owners_proxy", vote)) == (
            200 if role in COLLECTORS else expect_login
        )
        assert status_for(client, user, url("owners_vote_announce", vote)) == (
            200 if role in ORGANISERS else expect_login
        )
        community_id = vote.community_id
        create = reverse("owners_vote_create", kwargs={"community_id": community_id})
        assert status_for(client, user, create) == (200 if role in ORGANISERS else expect_login)
        listing = reverse("community_owners_votes", kwargs={"community_id": community_id})
        assert status_for(client, user, listing) == 200
        closing = status_for(client, user, url("owners_vote_close", vote), "post")
        assert closing == (302 if role in ORGANISERS else expect_login)
    assert OwnersVote.objects.get().status == OwnersVote.Status.ANNOUNCED  # closing early was refused


@pytest.mark.parametrize("role", ["anonymous", "outsider", "resident", "linked owner", "representative"])
def test_a_draft_is_hidden_from_everyone_but_its_organisers(client, people, draft, role):
    user = people[role]
    expect = 302 if user is None else 403
    for name in ("owners_vote_detail", "owners_receipt_check", "owners_ballot", "owners_collect"):
        assert status_for(client, user, url(name, draft)) == expect, name
    listing = reverse("community_owners_votes", kwargs={"community_id": draft.community_id})
    client.logout()
    if user is not None:
        client.force_login(user)
    assert draft.title not in client.get(listing).content.decode()


def test_organisers_see_drafts_in_the_list_and_the_link_from_the_community_page(client, draft, organiser):
    login(client, organiser)
    listing = client.get(reverse("community_owners_votes", kwargs={"community_id": draft.community_id}))
    assert draft.title in listing.content.decode()
    page = client.get(draft.community.url).content.decode()
    assert reverse("community_owners_votes", kwargs={"community_id": draft.community_id}) in page


def test_the_detail_page_offers_each_role_its_actions(client, open_vote, roster, collector, organiser):
    with time_machine.travel(at(open_vote), tick=False):
        login(client, collector)
        page = client.get(url("owners_vote_detail", open_vote)).content.decode()
        assert url("owners_collect", open_vote) in page and url("owners_proxy", open_vote) in page
        assert url("owners_ballot", open_vote) not in page and url("owners_vote_close", open_vote) not in page
        login(client, organiser)
        page = client.get(url("owners_vote_detail", open_vote)).content.decode()
        assert url("owners_vote_close", open_vote) not in page  # not before the end
    client.logout()
    page = client.get(url("owners_vote_detail", open_vote)).content.decode()
    assert url("owners_receipt_check", open_vote) in page and url("owners_collect", open_vote) not in page


# --- Bad input: a clear message, nothing stored --------------------------------------------------


def test_online_ballot_bad_input(client, open_vote, roster):
    vote = open_vote
    ballot = url("owners_ballot", vote)
    with time_machine.travel(at(vote), tick=False):
        login(client, roster["linked"].user)  # sessions last two weeks: log in at the time travelled to
        cases = [
            (
                {"household": roster["households"][1].pk, **picks(vote, "for", "for")},
                "Choose one of your own",
            ),
            ({"household": "abc", **picks(vote, "for", "for")}, "Choose one of your own"),
            ({"household": roster["households"][0].pk}, "Choose for, against or abstain on every question"),
            (
                {"household": roster["households"][0].pk, **picks(vote, "for", "maybe")},
                "Choose for, against or abstain on every question",
            ),
            (
                {"household": roster["households"][0].pk, **picks(vote, "for", "for"), "q999999": "for"},
                "That question is not part of this vote",
            ),
        ]
        for data, message in cases:
            response = client.post(ballot, data)
            assert response.status_code in (200, 400), data
            assert message in response.content.decode(), (data, response.content.decode()[:3000])
    with time_machine.travel(vote.opens_at - timedelta(hours=1), tick=False):
        login(client, roster["linked"].user)
        response = client.post(ballot, {"household": roster["households"][0].pk, **picks(vote, "for", "for")})
        assert response.status_code == 200 and "Voting is not open" in response.content.decode()
    assert not OwnersBallot.objects.exists() and not OwnersBallotChange.objects.exists()


def test_collector_bad_input(client, open_vote, roster, collector, other_community):
    vote = open_vote
    households, owners = roster["households"], roster["owners"]
    elsewhere = HouseholdFactory(building=Building.objects.create(community=other_community, name="外楼"))
    collect = url("owners_collect", vote)
    base = {
        "household": households[1].pk,
        "owner": owners[1].pk,
        "channel": "paper",
        **picks(vote, "for", "for"),
    }
    not_an_image = SimpleUploadedFile("ballot.jpg", b"this is not a photo", content_type="image/jpeg")
    with time_machine.travel(at(vote), tick=False):
        login(client, collector)
        cases = [
            (base, "Attach a photo of the signed ballot"),
            ({**base, "evidence": not_an_image}, "JPEG, PNG or WebP"),
            ({**base, "household": elsewhere.pk, "evidence": photo()}, "not on this community&#x27;s roster"),
            (
                {**base, "owner": owners[2].pk, "evidence": photo()},
                "Choose one of this household&#x27;s owners",
            ),
            ({**base, "channel": "online", "evidence": photo()}, "Select a valid choice"),
            ({**base, "evidence": photo(), "q999999": "for"}, "That question is not part of this vote"),
            (
                {k: v for k, v in base.items() if not k.startswith("q")} | {"evidence": photo()},
                "Choose for, against or abstain on every question",
            ),
            ({**base, "owner": "", "channel": "onsite"}, "Name the owner who signed the ballot"),
        ]
        for data, message in cases:
            response = client.post(collect, data)
            assert response.status_code in (200, 400), data
            assert message in response.content.decode(), (message, response.content.decode()[:4000])
        search = client.get(collect, {"q": "9 9 999"})
        assert "No household matches" in search.content.decode()
        Building.objects.create(community=vote.community, name="6号楼").households.create(
            unit="1单元", room="101", area=Decimal("50")
        )
        several = client.get(collect, {"q": "101"})
        assert several.context["household"] is None and len(several.context["matches"]) == 2
        assert f"?household={households[0].pk}" in several.content.decode()
        response = client.post(
            url("owners_proxy", vote),
            {
                "proxy_holder": "王律师",
                "rows": "2",
                "household_1": "5 1 102",
                "household_2": "5 1 103",
                "evidence_1": photo("p1.jpg"),
                **picks(vote, "for", "for", suffix="_1"),
                **picks(vote, "for", "for", suffix="_2"),
            },
        )
        # All or none: the second owner's proxy form is missing, the refusal names the household.
        assert response.status_code == 200
        assert "5号楼-1单元-103: Attach a photo" in response.content.decode()
        response = client.post(
            url("owners_proxy", vote), {"proxy_holder": "王律师", "rows": "1", "household_1": "5 1 105"}
        )
        assert "has several owners" in response.content.decode()
    assert not OwnersBallot.objects.exists() and not OwnersBallotChange.objects.exists()


def test_organiser_bad_input(client, community, draft, organiser):
    login(client, organiser)
    create = reverse("owners_vote_create", kwargs={"community_id": community.pk})
    now = timezone.now()
    response = client.post(
        create,
        {
            "title": "表决",
            "question_1": "问题",
            "matter_1": "ordinary",
            **{f"matter_{i}": "ordinary" for i in range(2, 6)},
            "opens_at": local_input(now + timedelta(days=20)),
            "closes_at": local_input(now + timedelta(days=19)),
            "channels": ["paper"],
            "notice_days": "15",
        },
    )
    assert response.status_code == 200 and "The vote must close after it opens" in response.content.decode()
    response = client.post(create, {"title": "表决", "matter_1": "ordinary", "notice_days": "15"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert OwnersVote.objects.count() == 1
    exe = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(
        url("owners_vote_document_add", draft), {"title": "方案", "file": exe}, follow=True
    )
    assert "The file must be a PDF or an image" in response.content.decode()
    response = client.post(
        url("owners_vote_document_add", draft), {"title": "方案", "file": photo()}, follow=True
    )
    assert "The document was added" in response.content.decode()
    assert list(VoteDocument.objects.values_list("title", flat=True)) == ["方案"]
    draft.opens_at = now + timedelta(days=3)
    draft.save()
    response = client.post(url("owners_vote_announce", draft))
    assert response.status_code == 200 and "15 days before it opens" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == OwnersVote.Status.DRAFT


def test_a_wrong_receipt_code_gets_a_clear_message_and_guessing_is_limited(client, open_vote, roster):
    vote = open_vote
    cast = services.owners_ballot_cast(
        vote=vote,
        household=roster["households"][0],
        choices=choices(vote, "for", "abstain"),
        channel=Channel.ONLINE,
        by=roster["linked"].user,
        now=at(vote),
    )
    check = url("owners_receipt_check", vote)
    found = client.get(check, {"code": cast.receipt.lower()})
    assert found.status_code == 200 and found.context["found"]["counted"]
    content = found.content.decode()
    assert "Your ballot is counted as cast" in content and "Abstain (I neither agree nor disagree)" in content
    wrong = client.post(check, {"code": "ABCDE-FGHJK"})
    assert (
        wrong.status_code == 400 and "No ballot of this vote has that receipt code" in wrong.content.decode()
    )
    for _ in range(services.RECEIPT_WRONG_PER_CLIENT - 1):
        client.post(check, {"code": "ABCDE-FGHJK"})
    blocked = client.post(check, {"code": cast.receipt})
    assert blocked.status_code == 400 and "Too many wrong codes" in blocked.content.decode()
    other = client.post(check, {"code": cast.receipt}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200 and other.context["found"]["counted"]


def test_household_search_understands_the_ways_people_write_an_address(community, roster):
    building = Building.objects.create(community=community, name="15号楼")
    far = HouseholdFactory(building=building, unit="1单元", room="1101", area=Decimal("90"))
    households = roster["households"]
    assert services.households_matching(community, "5 1 101") == [households[0]]
    assert services.households_matching(community, "5号楼1单元101") == [households[0]]
    assert services.households_matching(community, "5-1-101室") == [households[0]]
    assert services.households_matching(community, "15 1 1101") == [far]
    assert services.households_matching(community, "15 1 101") == []
    assert services.households_matching(community, "") == []
    assert len(services.households_matching(community, "10")) == 0


def test_an_owner_of_two_households_gets_a_ballot_for_each(client, community, open_vote, roster):
    user = roster["linked"].user
    second = HouseholdFactory(building=roster["households"][0].building, room="301", area=Decimal("80"))
    owner = OwnerFactory(household=second, name="业主0")
    owner.user = user
    owner.save(update_fields=["user"])
    with time_machine.travel(at(open_vote), tick=False):
        login(client, user)
        page = client.get(url("owners_ballot", open_vote))
        assert [row["household"] for row in page.context["rows"]] == [roster["households"][0], second]
        response = client.post(
            url("owners_ballot", open_vote), {"household": second.pk, **picks(open_vote, "for", "for")}
        )
        assert response.status_code == 302
    assert OwnersBallot.objects.get().household == second


def test_a_resident_member_who_is_not_linked_cannot_vote_online(client, open_vote, community):
    user = UserFactory()
    make_member(community, user=user, role=Role.RESIDENT)
    with time_machine.travel(at(open_vote), tick=False):
        login(client, user)
        response = client.post(
            url("owners_ballot", open_vote), {"household": "1", **picks(open_vote, "for", "for")}
        )
    assert response.status_code == 403 and "link your account" in response.content.decode()
    assert not OwnersBallot.objects.exists()


@pytest.mark.parametrize(
    "role, hidden, shown",
    [
        ("anonymous", False, False),
        ("outsider", False, False),
        ("resident", False, False),
        ("linked owner", False, True),
        ("representative", False, False),
        ("committee", True, True),
        ("worker", True, True),
        ("admin", True, True),
    ],
)
def test_who_sees_the_turnout_while_the_vote_runs(people, open_vote, role, hidden, shown):
    """``hidden``: the vote keeps the turnout to its organisers; ``shown``: it shows it to owners."""
    user = people.get(role) or AnonymousUser()
    assert user.has_perm("meetings.view_owners_vote_turnout", open_vote) is hidden
    open_vote.show_turnout_to_owners = True
    assert user.has_perm("meetings.view_owners_vote_turnout", open_vote) is shown
    open_vote.status = OwnersVote.Status.CLOSED  # after the close the result replaces the turnout
    # (a site admin passes every permission, as Django's superusers do)
    assert user.has_perm("meetings.view_owners_vote_turnout", open_vote) is (role == "admin")
