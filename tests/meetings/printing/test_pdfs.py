"""Issue 12, must-show 5: the three PDFs for the lobby — the meeting notice, the resolution notice
and the minutes — for the demo meeting: Chinese text extracted (no missing glyphs), A4, a CJK font
embedded, under 1 MB; each behind the permission of the page it prints."""

import subprocess

import pytest
from django.urls import reverse

from meetings.demo import live as demo_live
from meetings.models import Meeting, Resolution

pytestmark = pytest.mark.django_db

MAX_BYTES = 1024 * 1024


def pdf_facts(content: bytes, tmp_path) -> dict:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return {"text": text, "info": info, "fonts": fonts, "size": len(content)}


def check_paper(response, tmp_path, *expected) -> dict:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename=")
    content = response.content
    assert content.startswith(b"%PDF") and len(content) < MAX_BYTES
    facts = pdf_facts(content, tmp_path)
    assert "x 841.89 pts (A4)" in facts["info"] and "Pages:" in facts["info"]
    assert "WenQuanYi" in facts["fonts"] or "CJK" in facts["fonts"]
    assert all(line.split()[-4] == "yes" for line in facts["fonts"].splitlines()[2:])  # every font embedded
    for words in expected:
        assert words in facts["text"], f"{words!r} not in the PDF's text"
    assert "□" not in facts["text"]
    return facts


def test_the_meeting_notice(client, seeded_demo, tmp_path):
    meeting = Meeting.objects.get(title=demo_live.LIVE_TITLE)
    response = client.get(reverse("meeting_notice_pdf", args=[meeting.pk]))
    facts = check_paper(response, tmp_path, "会议通知", meeting.title[:8], "议程", "业主委员会", "物业")
    print(f"meeting notice: {facts['size']} bytes")


def test_the_minutes(client, seeded_demo, tmp_path):
    """The demo's closed meeting, whose minutes are sealed: the hash is on the paper."""
    meeting = Resolution.objects.filter(community__slug="xingfu").first().meeting
    state = meeting.live
    assert state.final_hash
    response = client.get(reverse("meeting_minutes_pdf", args=[meeting.pk]))
    facts = check_paper(response, tmp_path, "会议纪要", meeting.title[:8], "签到", "主持人", "日期")
    assert state.final_hash[:32] in facts["text"]
    print(f"minutes: {facts['size']} bytes")


def test_the_resolution_notice(client, seeded_demo, tmp_path):
    resolution = Resolution.objects.filter(community__slug="xingfu").first()
    assert resolution is not None
    response = client.get(reverse("resolution_notice_pdf", args=[resolution.pk]))
    facts = check_paper(response, tmp_path, "决议公示", resolution.title[:8], "公示")
    print(f"resolution notice: {facts['size']} bytes")


def test_each_pdf_has_the_permission_of_its_page(client, community, tmp_path):
    """A members-only meeting's notice and minutes: the login page for an anonymous reader, a 403
    for an outsider, the PDF for a member; an unknown id is a 404."""
    from deliberation.models import Role
    from meetings.models import Meeting as MeetingModel
    from tests.factories import UserFactory, four_parties, make_meeting, make_member

    meeting = make_meeting(community)
    four_parties(meeting)
    MeetingModel.objects.filter(pk=meeting.pk).update(visibility=MeetingModel.Visibility.MEMBERS)
    for name in ("meeting_notice_pdf", "meeting_minutes_pdf"):
        url = reverse(name, args=[meeting.pk])
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
        client.force_login(UserFactory())
        assert client.get(url).status_code == 403
        client.force_login(make_member(community, role=Role.RESIDENT))
        assert client.get(url)["Content-Type"] == "application/pdf"
        client.logout()
        assert client.get(reverse(name, args=[99999999])).status_code == 404
    assert client.get(reverse("resolution_notice_pdf", args=[99999999])).status_code == 404


def test_the_same_paper_is_drawn_once_and_a_change_draws_it_again(client, seeded_demo, tmp_path, monkeypatch):
    """The PDF is kept under a hash of its HTML: downloaded again, it is not drawn again; once the
    meeting's title changes, the next download is drawn anew and carries the new title."""
    import weasyprint

    drawn = []
    write_pdf = weasyprint.HTML.write_pdf

    def counting(self, *args, **kwargs):
        drawn.append(self)
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counting)
    meeting = Meeting.objects.get(title=demo_live.LIVE_TITLE)
    url = reverse("meeting_notice_pdf", args=[meeting.pk])
    first = client.get(url).content
    drawn_once = len(drawn)
    assert client.get(url).content == first
    assert len(drawn) == drawn_once
    Meeting.objects.filter(pk=meeting.pk).update(title="楼道照明改造协商会")
    response = client.get(url)
    assert len(drawn) == drawn_once + 1
    check_paper(response, tmp_path, "楼道照明改造协商会")
