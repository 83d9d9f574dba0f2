"""Issue 13: what a closed owners' vote leaves behind — the resolution published with its notice
period (must-show 1's "published"), the organisers' exports of roster, ballots and audit trail
(must-show 5), the evidence behind a permission, and the official platform's result shown beside
ours (must-show 5)."""

import csv
import hashlib
import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from cms.services import ServiceError
from deliberation.exports import read_cell
from meetings.models import Action, OwnersBallotChange, OwnersVote, Resolution
from meetings.services import owners_votes as services
from meetings.services.owners_vote_results import OFFICIAL_FIGURES
from tests.conftest import as_user

from .conftest import at, choices, photo

pytestmark = pytest.mark.django_db
Channel = OwnersVote.Channel
ROLES = [
    "anonymous",
    "outsider",
    "resident",
    "linked owner",
    "representative",
    "property",
    "street",
    "committee",
    "worker",
    "admin",
]
ORGANISERS = {"committee", "worker", "admin"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(name, vote, **kwargs):
    return reverse(name, kwargs={"vote_id": vote.pk, **kwargs})


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def people(users_by_role, roster):
    return {**users_by_role, "linked owner": roster["linked"].user}


@pytest.fixture
def voted(open_vote, roster, collector):
    """Four of the six households voted: online, on paper (then replaced on site), by written
    proxy, by video for the co-owned household. Area 400 of 600 m², heads 4 of 6: exactly the
    two-thirds turnout. Question 1 (major): 3 of 4 for, passes at exactly 3/4; question 2
    (ordinary): 2 of 4 for, not more than half, fails."""
    vote, h, o = open_vote, roster["households"], roster["owners"]
    now = at(vote)
    services.owners_ballot_cast(
        vote=vote,
        household=h[0],
        choices=choices(vote, "for", "for"),
        channel=Channel.ONLINE,
        by=roster["linked"].user,
        now=now,
    )
    services.owners_ballot_cast(
        vote=vote,
        household=h[1],
        choices=choices(vote, "for", "for"),
        channel=Channel.PAPER,
        by=collector,
        owner=o[1],
        evidence=photo(),
        now=now,
    )
    services.owners_ballot_cast(
        vote=vote,
        household=h[1],
        choices=choices(vote, "against", "against"),
        channel=Channel.ONSITE,
        by=collector,
        owner=o[1],
        now=now + timedelta(hours=1),
    )
    services.owners_proxy_bulk(
        vote=vote,
        by=collector,
        proxy_holder="王代理",
        entries=[(h[2], o[2], choices(vote, "for", "for"), photo("proxy.jpg"))],
        now=now + timedelta(hours=2),
    )
    services.owners_ballot_cast(
        vote=vote,
        household=h[4],
        choices=choices(vote, "for", "abstain"),
        channel=Channel.VIDEO,
        by=collector,
        owner=roster["co_owners"][0],
        now=now + timedelta(hours=3),
    )
    return vote


def close(vote):
    with translation.override("en"):
        return services.owners_vote_close(vote=vote, now=vote.closes_at + timedelta(minutes=1))


@pytest.fixture
def closed(voted):
    return close(voted)


# --- Published as a resolution ------------------------------------------------------------------


def test_closing_publishes_exactly_one_resolution_with_both_measures(closed):
    vote = closed
    resolution = Resolution.objects.get(owners_vote=vote)
    assert resolution.meeting is None and resolution.motion is None
    assert resolution.community == vote.community and resolution.title == vote.title
    assert resolution.notice_days == vote.notice_days and resolution.published_at == vote.closed_at
    assert resolution.in_notice is False or resolution.notice_ends_at > resolution.published_at
    first, second = [q for q, _tally in resolution.tallies]
    assert first == "同意使用维修资金更换5号楼电梯" and second == "同意选聘施工单位"
    major, ordinary = [tally for _q, tally in resolution.tallies]
    assert major["passed"] is True and ordinary["passed"] is False
    assert (
        major["figures"]["participating_area"] == "400.00" and major["figures"]["participating_heads"] == "4"
    )
    assert major["figures"]["area"]["for"] == "300.00" and major["figures"]["heads"]["for"] == "3"
    assert ordinary["figures"]["for_area_pct"] == "50.0" and ordinary["reasons"] == [
        "approval_area",
        "approval_heads",
    ]
    # The text says it in words, both measures per question, and carries the seal.
    text = resolution.text
    assert "1. 同意使用维修资金更换5号楼电梯 (major matter): passed." in text
    assert "2. 同意选聘施工单位 (ordinary matter): not passed." in text
    assert "Taking part: 400.00 of 600.00 m² (66.7%) and 4 of 6 owners (66.7%)." in text
    assert (
        "For: 300.00 m² (75.0% of the participating area) and 3 owners (75.0% of the participating owners)"
        in text
    )
    assert "too little of the participating area voted for" in text
    assert vote.seal in text

    # Closing again (an organiser's second click, the deadlines task) publishes nothing more.
    close(vote)
    services.owners_votes_close_due(now=vote.closes_at + timedelta(hours=1))
    assert Resolution.objects.filter(owners_vote=vote).count() == 1


def test_a_vote_closed_before_publishing_existed_is_published_on_the_next_close(voted):
    vote = close(voted)
    Resolution.objects.filter(owners_vote=vote).delete()
    close(vote)
    assert Resolution.objects.filter(owners_vote=vote).count() == 1


def test_the_database_wants_exactly_one_origin(closed, community):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Resolution.objects.create(community=community, title="无来源", text="")


def test_the_resolution_on_the_list_and_its_page_for_everyone(client, closed, roster, people):
    vote = closed
    resolution = Resolution.objects.get(owners_vote=vote)
    listing = reverse("community_resolutions", args=[vote.community_id])
    page = reverse("resolution_detail", args=[resolution.pk])
    for role in ROLES:
        user = people[role]
        client.logout()
        client.cookies["django_language"] = "en"
        if user is not None:
            client.force_login(user)
        assert as_user(user).has_perm("meetings.view_resolution", resolution), role
        body = client.get(listing).content.decode()
        assert f'data-resolution-id="{resolution.pk}"' in body, role
        assert "Owners' vote · published" in body, role
        response = client.get(page)
        assert response.status_code == 200, role
        body = response.content.decode()
        assert "Decided by the owners' vote" in body
        # Both measures for each question, from the same include as a meeting's tally.
        assert body.count('data-figure="participating"') == 2 and body.count("Area (m²)") == 2
        assert "同意选聘施工单位" in body and "✘ Not passed" in body and "✔ Passed" in body
        # Privacy: no owner's name or phone on the public page.
        assert "13900000001" not in body and "业主1" not in body
        assert ("Add a follow-up action" in body) == (role in ORGANISERS), role
    vote_page = client.get(url("owners_vote_detail", vote)).content.decode()
    assert reverse("resolution_detail", args=[resolution.pk]) in vote_page


def test_a_draft_vote_has_no_resolution_and_a_hidden_vote_hides_its_resolution(closed, people):
    """The vote's own rule decides: were the vote (somehow) back to draft, its resolution would be
    seen by the organisers only, on its page and on the list."""
    vote = closed
    resolution = Resolution.objects.get(owners_vote=vote)
    OwnersVote.objects.filter(pk=vote.pk).update(status=OwnersVote.Status.DRAFT)
    resolution = Resolution.objects.select_related("owners_vote").get(pk=resolution.pk)
    for role in ROLES:
        assert as_user(people[role]).has_perm("meetings.view_resolution", resolution) == (
            role in ORGANISERS
        ), role
    from meetings.selectors import resolutions_for

    assert not resolutions_for(vote.community, as_user(people["resident"])).exists()


def test_follow_up_actions_on_a_votes_resolution(client, closed, people):
    resolution = Resolution.objects.get(owners_vote=closed)
    add = reverse("resolution_action_add", args=[resolution.pk])
    for role in ROLES:
        assert as_user(people[role]).has_perm("meetings.manage_actions", resolution) == (
            role in ORGANISERS
        ), role
    client.force_login(people["resident"])
    assert client.post(add, {"title": "签订施工合同", "owner_party": "committee"}).status_code == 403
    client.force_login(people["committee"])
    response = client.post(add, {"title": "签订施工合同", "owner_party": "committee"}, follow=True)
    assert "The action was added." in response.content.decode()
    action = Action.objects.get(resolution=resolution)
    progress = reverse("action_progress", args=[action.pk])
    response = client.post(progress, {"note": "合同已签", "status": "done"}, follow=True)
    assert "Progress was recorded." in response.content.decode()
    action.refresh_from_db()
    assert action.status == "done"
    assert (
        "签订施工合同"
        in client.get(reverse("community_resolutions", args=[closed.community_id])).content.decode()
    )


def test_the_printed_notice_of_a_votes_resolution(client, closed):
    resolution = Resolution.objects.get(owners_vote=closed)
    response = client.get(reverse("resolution_notice_pdf", args=[resolution.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


# --- Exports ------------------------------------------------------------------------------------


def xlsx(client, vote):
    response = client.get(url("owners_vote_export_xlsx", vote))
    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"] == f'attachment; filename="owners-vote-{vote.pk}.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    return {
        sheet.title: [[read_cell(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


def csv_rows(response):
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content
    assert raw.startswith("\ufeff".encode())  # a BOM: Excel opens the Chinese text correctly
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def by_room(rows):
    header = rows[0]
    return header, {row[header.index("Room")]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def test_before_the_close_the_exports_show_participation_and_no_choice(client, voted, organiser, roster):
    client.force_login(organiser)
    sheets = xlsx(client, voted)
    assert list(sheets) == ["Households", "Audit trail", "Vote"]
    header, rows = by_room(sheets["Households"])
    assert len(rows) == 6 and not any(str(h).startswith("Question") for h in header)
    assert rows["101"]["Channel"] == "Online" and rows["101"]["Owners"] == "业主0"
    assert rows["102"]["Channel"] == "On site" and rows["102"]["Version"] == 2
    assert rows["102"]["Owners' phones"] == "+8613900000001"  # the organisers' export only
    assert rows["103"]["Channel"] == "Written proxy" and rows["103"]["Proxy holder"] == "王代理"
    assert rows["103"]["Evidence"].startswith("http") and "/evidence/" in rows["103"]["Evidence"]
    assert rows["104"]["Channel"] is None and rows["104"]["Cast at (Beijing time)"] is None
    assert rows["105"]["Owners"] == "甲、乙" and rows["105"]["Channel"] == "Video"
    assert rows["106"]["Head group"].startswith("Developer's unsold parts")
    assert rows["101"]["Area (m²)"] == 100 and rows["101"]["Head's area (m²)"] == "100.00"
    audit = sheets["Audit trail"]
    assert len(audit) == 1 + 5 and not any("Choices" in str(h) for h in audit[0])
    flat = json.dumps(sheets, ensure_ascii=False, default=str)
    assert '"for"' not in flat and "Against" not in flat
    # The CSV has the same households, and no choice either.
    rows = csv_rows(client.get(url("owners_vote_export_csv", voted)))
    assert len(rows) == 7 and not any(h.startswith("Question") for h in rows[0])


def test_after_the_close_the_exports_have_the_choices_and_the_audit_trail_recomputes_the_seal(
    client, closed, organiser
):
    vote = closed
    client.force_login(organiser)
    sheets = xlsx(client, vote)
    header, rows = by_room(sheets["Households"])
    q1, q2 = [h for h in header if h.startswith("Question")]
    assert q1 == "Question 1: 同意使用维修资金更换5号楼电梯"
    assert (rows["101"][q1], rows["101"][q2]) == ("For", "For")
    assert (rows["102"][q1], rows["102"][q2]) == ("Against", "Against")  # the replacing ballot
    assert (rows["105"][q1], rows["105"][q2]) == ("For", "Abstain")
    assert rows["104"][q1] is None
    summary = dict((row[0], row[1]) for row in sheets["Vote"][1:])
    assert summary["Seal of the ballots (SHA-256 hash chain)"] == vote.seal

    # Anyone with the audit trail recomputes the seal (docs/owners-vote.md, "Seal").
    audit = sheets["Audit trail"]
    head = audit[0]
    col = {
        name: head.index(next(h for h in head if f"(seal: {name}" in h))
        for name in (
            "pk",
            "ballot__household_id",
            "version",
            "channel",
            "owner_id",
            "proxy_holder",
            "at",
            "evidence",
            "choices",
        )
    }
    digest = hashlib.sha256(f"owners-vote:{vote.pk}".encode()).hexdigest()
    for row in audit[1:]:
        change = {
            "pk": row[col["pk"]],
            "ballot__household_id": row[col["ballot__household_id"]],
            "version": row[col["version"]],
            "choices": json.loads(row[col["choices"]]),
            "channel": row[col["channel"]],
            "owner_id": row[col["owner_id"]],
            "proxy_holder": row[col["proxy_holder"]] or "",
            "evidence": row[col["evidence"]] or "",
            "at": row[col["at"]],
        }
        line = json.dumps(change, sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(f"{digest}\n{line}".encode()).hexdigest()
    assert digest == vote.seal

    rows = csv_rows(client.get(url("owners_vote_export_csv", vote)))
    assert rows[0][-3:] == [q1, q2, "Evidence"] and len(rows) == 7
    audit_csv = csv_rows(client.get(url("owners_vote_audit_csv", vote)))
    assert len(audit_csv) == 6 and audit_csv[0][-1].startswith("Choices")


def test_an_owners_name_that_looks_like_a_formula_stays_text(client, voted, organiser, roster):
    owner = roster["owners"][3]
    owner.name = '=HYPERLINK("http://evil.example","x")'
    owner.save(update_fields=["name"])
    client.force_login(organiser)
    rows = csv_rows(client.get(url("owners_vote_export_csv", voted)))
    assert "'=HYPERLINK" in "".join(",".join(r) for r in rows)
    response = client.get(url("owners_vote_export_xlsx", voted))
    sheet = load_workbook(io.BytesIO(response.content))["Households"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_organisers_export_and_see_evidence(client, voted, people, role):
    user = people[role]
    client.logout()
    if user is not None:
        client.force_login(user)
    expected = 200 if role in ORGANISERS else (302 if user is None else 403)
    for name in ("owners_vote_export_csv", "owners_vote_export_xlsx", "owners_vote_audit_csv"):
        assert client.get(url(name, voted)).status_code == expected, name
    change = OwnersBallotChange.objects.exclude(evidence="").first()
    response = client.get(url("owners_vote_evidence", voted, change_id=change.pk))
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
        assert response["Cache-Control"] == "private, no-store"


def test_evidence_of_another_vote_or_without_a_file_is_not_found(client, voted, organiser, draft):
    client.force_login(organiser)
    change = OwnersBallotChange.objects.exclude(evidence="").first()
    without = OwnersBallotChange.objects.filter(evidence="").first()
    assert client.get(url("owners_vote_evidence", voted, change_id=without.pk)).status_code == 404
    other = services.owners_vote_create(
        community=voted.community,
        by=organiser,
        title="另一个表决",
        questions=[("问题", "ordinary")],
        opens_at=voted.opens_at,
        closes_at=voted.closes_at,
        channels=["paper"],
    )
    assert client.get(url("owners_vote_evidence", other, change_id=change.pk)).status_code == 404
    # The stored name has a random part: not guessable under /media/.
    assert len(change.evidence.rsplit("-", 1)[-1]) == len("0123456789abcdef.jpg")


# --- The official platform's result --------------------------------------------------------------


def official_from(vote, changes=None):
    """Figures as the platform would give them: ours, with ``changes`` per question index."""
    figures = {}
    for n, question in enumerate(vote.questions.all()):
        f = vote.result[str(question.pk)]["figures"]
        row = {
            "total_area": f["total_area"],
            "total_heads": f["total_heads"],
            "participating_area": f["participating_area"],
            "participating_heads": f["participating_heads"],
            "passed": vote.result[str(question.pk)]["passed"],
        }
        for choice in ("for", "against", "abstain"):
            row[f"{choice}_area"] = f["area"][choice]
            row[f"{choice}_heads"] = f["heads"][choice]
        row.update((changes or {}).get(n, {}))
        figures[str(question.pk)] = row
    return figures


def pdf_upload():
    return SimpleUploadedFile("result.pdf", PDF, content_type="application/pdf")


def test_the_official_result_appears_beside_ours_and_a_disagreement_is_flagged(client, closed, organiser):
    vote = closed
    services.owners_vote_record_official(
        vote=vote, by=organiser, figures=official_from(vote), binding=True, document=pdf_upload()
    )
    vote.refresh_from_db()
    assert vote.official_binding and vote.official_document.name.endswith(".pdf")
    body = client.get(url("owners_vote_detail", vote)).content.decode()
    assert 'id="official-result"' in body and 'data-binding="official"' in body
    assert "The official platform&#x27;s result is the binding one." in body
    assert body.count('data-agrees="true"') == 2 and "disagree" not in body
    resolution = Resolution.objects.get(owners_vote=vote)
    on_resolution = client.get(reverse("resolution_detail", args=[resolution.pk])).content.decode()
    assert 'id="official-result"' in on_resolution and "This site" in on_resolution
    document = client.get(url("owners_vote_official_document", vote))
    assert document.status_code == 200 and b"".join(document.streaming_content) == PDF

    # The platform counted one more owner for question 2, and passed it: flagged on both pages.
    services.owners_vote_record_official(
        vote=vote,
        by=organiser,
        figures=official_from(
            vote, {1: {"for_heads": "3", "against_heads": "0", "abstain_heads": "1", "passed": True}}
        ),
        binding=False,
    )
    body = client.get(url("owners_vote_detail", vote)).content.decode()
    assert 'data-binding="ours"' in body and "This site&#x27;s result is the binding one" in body
    assert 'data-agrees="false"' in body and "The two results disagree on the outcome." in body
    assert 'data-figure="for_heads" data-differs="true"' in body
    assert 'data-figure="for_area" data-differs="false"' in body
    on_resolution = client.get(reverse("resolution_detail", args=[resolution.pk])).content.decode()
    assert "The two results disagree on the outcome." in on_resolution


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"for_area": "-1"}, "cannot be negative"),
        ({"participating_heads": "7"}, "more took part than the total"),
        ({"for_area": "400.00"}, "add up to more than took part"),
        ({"for_heads": "2.5"}, "whole number of owners"),
        ({"total_area": "0"}, "totals must be more than zero"),
        ({"for_area": "abc"}, "must be a number"),
        ({"passed": None}, "say whether it passed"),
    ],
)
def test_official_figures_are_checked(closed, organiser, change, message):
    with translation.override("en"), pytest.raises(ServiceError) as refused:
        services.owners_vote_record_official(
            vote=closed,
            by=organiser,
            figures=official_from(closed, {0: change}),
            binding=False,
            document=pdf_upload(),
        )
    assert message in refused.value.message and refused.value.message.startswith("Question 1")


def test_official_result_refusals(voted, closed, organiser, people):
    with translation.override("en"):
        with pytest.raises(ServiceError, match="attach the platform's result document|Attach the platform"):
            services.owners_vote_record_official(
                vote=closed, by=organiser, figures=official_from(closed), binding=False
            )
        with pytest.raises(ServiceError, match="PDF or an image"):
            services.owners_vote_record_official(
                vote=closed,
                by=organiser,
                figures=official_from(closed),
                binding=False,
                document=SimpleUploadedFile("result.txt", b"just text", content_type="text/plain"),
            )
        with pytest.raises(ServiceError, match="organise owners' votes"):
            services.owners_vote_record_official(
                vote=closed,
                by=people["representative"],
                figures=official_from(closed),
                binding=False,
                document=pdf_upload(),
            )
    assert OwnersVote.objects.get(pk=closed.pk).official_result == {}


def test_official_result_before_the_close_is_refused(voted, organiser):
    with translation.override("en"), pytest.raises(ServiceError, match="once this vote is closed"):
        services.owners_vote_record_official(vote=voted, by=organiser, figures={}, binding=False)


def form_data(vote, figures, binding=False):
    data = {"binding": "on"} if binding else {}
    for qid, row in figures.items():
        for key, _label, _kind in OFFICIAL_FIGURES:
            data[f"o{qid}_{key}"] = row[key]
        data[f"o{qid}_passed"] = "yes" if row["passed"] else "no"
    return data


def test_recording_the_official_result_over_http(client, closed, organiser, people):
    vote = closed
    page = url("owners_vote_official", vote)
    client.force_login(people["representative"])
    assert client.get(page).status_code == 403
    client.force_login(organiser)
    assert client.get(page).status_code == 200
    detail = client.get(url("owners_vote_detail", vote)).content.decode()
    assert page in detail, detail[detail.find('id="vote-records"') - 200 :][:2000]
    # Bad input: a clear message on the page, nothing stored.
    bad = form_data(vote, official_from(vote, {0: {"participating_area": "700.00"}}))
    response = client.post(page, {**bad, "document": pdf_upload()})
    assert response.status_code == 200 and "more took part than the total" in response.content.decode()
    negative = form_data(vote, official_from(vote, {0: {"for_heads": "-1"}}))
    response = client.post(page, {**negative, "document": pdf_upload()})
    assert response.status_code == 200 and "greater than or equal to 0" in response.content.decode()
    assert OwnersVote.objects.get(pk=vote.pk).official_result == {}
    # Good input: recorded, and shown on the vote's page beside ours.
    good = form_data(vote, official_from(vote), binding=True)
    response = client.post(page, {**good, "document": pdf_upload()}, follow=True)
    body = response.content.decode()
    assert "The official platform&#x27;s result was recorded beside ours." in body
    assert 'id="official-result"' in body and 'data-binding="official"' in body


def test_the_pages_in_chinese(client, closed, organiser):
    vote = closed
    services.owners_vote_record_official(
        vote=vote, by=organiser, figures=official_from(vote), binding=False, document=pdf_upload()
    )
    resolution = Resolution.objects.get(owners_vote=vote)
    client.cookies["django_language"] = "zh-hans"
    body = client.get(reverse("resolution_detail", args=[resolution.pk])).content.decode()
    assert "由业主表决" in body and "官方平台结果" in body and "以本站的结果为准" in body
    client.force_login(organiser)
    client.cookies["django_language"] = "zh-hans"
    body = client.get(url("owners_vote_detail", vote)).content.decode()
    assert "已作为决议公示，公示期 15 天" in body and "更正官方平台结果" in body
    sheets = xlsx(client, vote)
    assert list(sheets) == ["房屋名册", "变更记录", "表决信息"]
    assert any(str(h).startswith("表决事项 1：") for h in sheets["房屋名册"][0])
