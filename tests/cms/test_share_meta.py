"""Open Graph tags: what a link forwarded into a WeChat group says (cms/templatetags/share_tags.py).

A request, a meeting, a resolution and the 公示 list say what they are without being opened; the
card names no person; a page the visitor may not see says nothing about what is behind it.
"""

from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from deliberation.models import Category, Role
from deliberation.services.requests import request_submit
from deliberation.services.supports import support_add
from meetings.models import Meeting, Motion, Resolution
from meetings.services import motions as svc
from tests.factories import four_parties, make_meeting, make_member

pytestmark = pytest.mark.django_db

REQUIRED = ["og:title", "og:description", "og:image", "og:url", "og:type", "description"]


class _Meta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs:
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.tags.setdefault(key, attrs["content"])


def share_tags(response) -> dict:
    parser = _Meta()
    parser.feed(response.content.decode())
    return parser.tags


def assert_complete(tags, url):
    missing = [key for key in REQUIRED if not tags.get(key)]
    assert not missing, f"{url}: no {missing}"
    assert tags["og:url"].startswith("http://testserver/"), tags["og:url"]
    assert tags["og:image"].startswith("http://testserver/") and tags["og:image"].endswith(".png")
    assert finders.find("cms/img/share.png"), "the share image is served by the site"


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def requester(community):
    return make_member(community, display_name="张阿姨", email="zhang.ayi@example.org", phone="13800000001")


@pytest.fixture
def hall_request(community, requester):
    created = request_submit(
        community=community,
        by=requester,
        title="楼道灯坏了",
        description="3号楼2单元楼道灯坏了一周，晚上上下楼看不见。\n请尽快修理。",
        category=Category.objects.order_by("pk").first(),
        show_name=True,  # public on the page; a forwarded card names nobody all the same
    )
    for _ in range(3):
        support_add(request=created, user=make_member(community, role=Role.RESIDENT))
    return created


def passed_resolution(meeting, text="增设电动车充电桩，由物业负责选址"):
    people = four_parties(meeting)
    event = svc.motion_open(meeting=meeting, by=people["chair"].user, text=text, agenda_item=None)
    motion = Motion.objects.get(pk=event.payload["id"])
    svc.ballot_cast(motion=motion, by=people["committee"].user, choice="for")
    svc.motion_close(motion=motion, by=people["chair"].user)
    return Resolution.objects.get(motion=motion), people


def test_a_request_says_what_it_is_its_state_and_support_and_names_nobody(en, hall_request, requester):
    url = hall_request.get_absolute_url()
    response = en.get(url)
    assert response.status_code == 200
    tags = share_tags(response)
    assert_complete(tags, url)
    assert tags["og:title"] == "楼道灯坏了 · 幸福社区"
    assert tags["og:type"] == "article"
    assert tags["og:url"] == f"http://testserver{url}"
    description = tags["og:description"]
    assert description.startswith("Resident request · Submitted · 3 supporters — 3号楼2单元楼道灯坏了一周")
    assert "\n" not in description and tags["description"] == description
    head = response.content.decode().split("</head>")[0]
    for private in ("张阿姨", "zhang.ayi", "13800000001", "138 0000 0001"):
        assert private not in head
    assert "张阿姨" in response.content.decode()  # the page itself shows the chosen name


def test_a_request_card_speaks_chinese_by_default(client, hall_request):
    client.cookies["django_language"] = "zh-hans"
    tags = share_tags(client.get(hall_request.get_absolute_url()))
    assert tags["og:description"].startswith("居民诉求 · 已提交 · 3 人支持 — 3号楼")


def test_a_long_request_is_cut_short_on_the_card(en, community, requester):
    created = request_submit(
        community=community,
        by=requester,
        title="长诉求",
        description="很" * 500,
        category=Category.objects.order_by("pk").first(),
    )
    description = share_tags(en.get(created.get_absolute_url()))["og:description"]
    assert description.endswith("…") and len(description) <= 120


def test_a_meeting_says_kind_state_time_place_and_agenda_without_names(en, community):
    convener = make_member(community, role=Role.WORKER, display_name="陈社工")
    meeting = make_meeting(community, convener=convener, status=Meeting.Status.SCHEDULED)
    meeting.place = "党群服务中心三楼"
    meeting.save()
    four_parties(meeting)
    for url in (reverse("meeting_detail", args=[meeting.pk]), reverse("meeting_live", args=[meeting.pk])):
        response = en.get(url)
        assert response.status_code == 200, url
        tags = share_tags(response)
        assert_complete(tags, url)
        assert tags["og:title"] == f"{meeting.title} · 幸福社区"
        assert tags["og:description"].startswith("Four-party meeting · Scheduled · ")
        assert "党群服务中心三楼" in tags["og:description"]
        assert "Agenda: 议题 1；议题 2" in tags["og:description"]
        head = response.content.decode().split("</head>")[0]
        assert "陈社工" not in head
        for participant in meeting.participants.all():
            assert participant.name not in head


def test_a_resolution_and_the_notice_board_say_vote_and_notice_period(en, community):
    resolution, people = passed_resolution(make_meeting(community))
    url = reverse("resolution_detail", args=[resolution.pk])
    tags = share_tags(en.get(url))
    assert_complete(tags, url)
    assert tags["og:title"].startswith("Resolution notice: 增设电动车充电桩")
    assert tags["og:description"].startswith("Resolution · Passed · Public notice (公示) until ")
    assert "— 增设电动车充电桩，由物业负责选址" in tags["og:description"]
    head = en.get(url).content.decode().split("</head>")[0]
    for participant in people.values():
        assert participant.name not in head
    board = reverse("community_resolutions", args=[community.pk])
    tags = share_tags(en.get(board))
    assert_complete(tags, board)
    assert tags["og:title"] == "Resolutions and public notices (公示) · 幸福社区"


def test_a_members_only_meeting_and_its_resolution_leak_nothing_to_the_public(en, community):
    meeting = make_meeting(community, visibility=Meeting.Visibility.MEMBERS)
    meeting.title = "内部会议：物业费调整"
    meeting.save()
    resolution, _people = passed_resolution(meeting, text="内部决议：物业费上调")
    for url in (
        reverse("meeting_detail", args=[meeting.pk]),
        reverse("meeting_live", args=[meeting.pk]),
        reverse("resolution_detail", args=[resolution.pk]),
    ):
        response = en.get(url, follow=True)  # a crawler follows the way to the login page
        assert response.redirect_chain and "/accounts/login/" in response.redirect_chain[-1][0], url
        body = response.content.decode()
        assert "物业费" not in body and "内部" not in body, url
        tags = share_tags(response)
        assert tags["og:title"] == "Community Deliberation Hall"
        assert tags["og:type"] == "website"


def test_a_request_of_an_unpublished_community_leaks_nothing(en, community, hall_request):
    community.unpublish()
    response = en.get(hall_request.get_absolute_url())
    assert response.status_code == 404
    body = response.content.decode()
    assert "楼道灯" not in body and "幸福社区" not in body
    assert share_tags(response)["og:title"] == "Community Deliberation Hall"


def test_every_page_has_site_wide_defaults(en, community):
    for url in ("/", community.url, "/accounts/login/"):
        tags = share_tags(en.get(url))
        assert_complete(tags, url)
    assert share_tags(en.get(community.url))["og:title"] == "幸福社区"
