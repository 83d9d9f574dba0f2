"""Anonymous means anonymous (item 5) and who may call the requester (item 6), through HTTP.

Every page that puts a person next to a request or a meeting is read as each kind of viewer; the
requester's name, e-mail and phone must appear exactly where deliberation/people.py and
``deliberation.view_requester_contact`` allow (docs/permissions.md, "Names, e-mail and phone").
"""

import io

import pytest
from django.conf import settings
from django.core import mail
from openpyxl import load_workbook

from deliberation.models import Role
from deliberation.phones import display_phone
from deliberation.selectors import hall_url
from deliberation.services.requests import (
    request_accept,
    request_evaluate,
    request_record_offline,
    request_resolve,
    request_respond,
    request_submit,
)
from meetings.models import Meeting, Motion, Resolution
from meetings.services import motions
from meetings.services.convening import agenda_item_link_requests
from meetings.services.minutes import meeting_close, meeting_start, minute_add
from tests.factories import PropertyCompanyFactory, UserFactory, four_parties, make_meeting, make_member

pytestmark = pytest.mark.django_db

ZHANG = {"display_name": "张阿姨", "email": "zhang.ayi@example.org", "phone": "13800000001"}
NONAME = {"display_name": "", "email": "no.name@example.org", "phone": "13900000002"}
LI = {"display_name": "李大爷", "email": "li.daye@example.org", "phone": "13600000004"}
SUN = {"name": "孙奶奶", "phone": "13700000003"}


@pytest.fixture
def people(community, worker, property_staff, street_officer):
    return {
        "zhang": make_member(community, **ZHANG),
        "noname": make_member(community, **NONAME),
        "li": make_member(community, **LI),
        "resident": make_member(community, role=Role.RESIDENT, display_name="邻居小王"),
        "worker": worker,
        "property": property_staff,
        "other_company": UserFactory(property_company=PropertyCompanyFactory(name="别家物业")),
        "street": street_officer,
    }


def _handled(request, people, *, evaluate_by=None):
    request = request_accept(request=request, by=people["worker"], party="property")
    request_respond(request=request, by=people["property"], body="已安排师傅上门")
    request = request_resolve(request=request, by=people["property"])
    if evaluate_by is not None:
        request = request_evaluate(request=request, by=evaluate_by, rating=4, comment="师傅很耐心")
    return request


@pytest.fixture
def requests_(community, category, people, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        hidden = request_submit(
            community=community,
            by=people["zhang"],
            title="厨房水管漏水",
            description="需要上门维修",
            category=category,
        )
        nameless = request_submit(
            community=community,
            by=people["noname"],
            title="阳台门关不上",
            description="需要上门",
            category=category,
            show_name=True,
        )
        shown = request_submit(
            community=community,
            by=people["li"],
            title="楼道灯不亮",
            description="三楼楼道灯",
            category=category,
            show_name=True,
        )
        offline = request_record_offline(
            community=community,
            by=people["worker"],
            channel="phone",
            title="暖气不热",
            description="家里暖气不热",
            category=category,
            requester_name=SUN["name"],
            requester_phone=SUN["phone"],
        )
        hidden = _handled(hidden, people, evaluate_by=people["zhang"])
        nameless = _handled(nameless, people, evaluate_by=people["noname"])
        shown = _handled(shown, people, evaluate_by=people["li"])
        offline = request_accept(request=offline, by=people["worker"], party="property")
    return {"hidden": hidden, "nameless": nameless, "shown": shown, "offline": offline}


def read(client, viewer, url):
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # logout drops every cookie
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


PUBLIC = ("anonymous", "resident", "other_company", "street")
REACH = ("property", "worker")  # the assigned party's staff and the community's workers


def viewer(people, role):
    return None if role == "anonymous" else people[role]


def test_a_hidden_requester_is_a_resident_on_every_line_of_the_timeline(client, people, requests_):
    url = requests_["hidden"].get_absolute_url()
    for role in PUBLIC:
        body = read(client, viewer(people, role), url)
        assert ZHANG["display_name"] not in body, role
        assert ZHANG["email"] not in body and not shows_phone(body, ZHANG["phone"]), role
        timeline = body.split('class="timeline"')[1]
        assert timeline.count("a resident") == 2, role  # submitted, evaluated
    for role in REACH:
        body = read(client, viewer(people, role), url)
        assert ZHANG["display_name"] in body and ZHANG["phone"] in body, role
        assert display_phone(ZHANG["phone"]) in body, role
        assert ZHANG["email"] not in body, role  # she has a name: her address is never needed
    body = read(client, people["zhang"], url)
    assert ZHANG["display_name"] in body and ZHANG["phone"] in body


def test_a_requester_without_a_name_is_never_shown_by_address_to_the_public(client, people, requests_):
    url = requests_["nameless"].get_absolute_url()
    for role in PUBLIC:
        body = read(client, viewer(people, role), url)
        assert NONAME["email"] not in body and "no.name" not in body, role
        assert not shows_phone(body, NONAME["phone"]), role
        assert "a resident" in body.split('class="timeline"')[1], role
    for role in REACH:
        body = read(client, viewer(people, role), url)
        assert NONAME["email"] in body and NONAME["phone"] in body, role


def test_a_requester_who_shows_their_name_is_shown_by_name_only(client, people, requests_):
    url = requests_["shown"].get_absolute_url()
    for role in PUBLIC + REACH:
        body = read(client, viewer(people, role), url)
        assert LI["display_name"] in body.split('class="timeline"')[1], role
        assert LI["email"] not in body, role
        assert (LI["phone"] in body) == (role in REACH), role
        assert shows_phone(body, LI["phone"]) == (role in REACH), role


def test_the_assigned_staff_see_an_offline_requesters_phone_and_nobody_else_outside_the_workers(
    client, people, requests_
):
    url = requests_["offline"].get_absolute_url()
    for role in PUBLIC:
        body = read(client, viewer(people, role), url)
        assert SUN["name"] not in body and not shows_phone(body, SUN["phone"]), role
    for role in REACH:
        body = read(client, viewer(people, role), url)
        # Stored in E.164, dialled as E.164, shown as people read it (137 0000 0003).
        assert SUN["name"] in body and f'href="tel:+86{SUN["phone"]}"' in body, role
        assert f">{display_phone(SUN['phone'])}</a>" in body, role


SECRETS = [
    ZHANG["display_name"],
    ZHANG["email"],
    ZHANG["phone"],
    NONAME["email"],
    NONAME["phone"],
    SUN["phone"],
]


def shows_phone(text, phone) -> bool:
    """The number in any form a page or an export writes it: as typed, E.164 or 137 0000 0003."""
    return phone in text or display_phone(phone) in text


def assert_no_secret(text, where):
    for secret in SECRETS:
        assert secret not in text, (where, secret)
    for phone in (ZHANG["phone"], NONAME["phone"], SUN["phone"]):
        assert display_phone(phone) not in text, (where, phone)


def test_lists_and_exports_name_nobody(client, community, people, requests_):
    pages = [hall_url(community), f"/communities/{community.pk}/statistics/"]
    for role in PUBLIC + REACH:
        for url in pages:
            assert_no_secret(read(client, viewer(people, role), url), (role, url))
        if role != "anonymous":
            body = read(client, viewer(people, role), "/work/")
            assert_no_secret(body, (role, "work"))
        csv = read(client, viewer(people, role), f"/communities/{community.pk}/statistics.csv")
        assert_no_secret(csv, (role, "csv"))
        client.logout()
        response = client.get(f"/communities/{community.pk}/statistics.xlsx")
        book = load_workbook(io.BytesIO(response.content))
        cells = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row)
        assert_no_secret(cells, (role, "xlsx"))
    # The work queue does list the requests for the people who handle them.
    assert "厨房水管漏水" not in read(client, people["property"], "/work/")  # resolved: nothing to do
    assert "暖气不热" in read(client, people["property"], "/work/")


def test_mails_to_other_people_never_carry_the_requester(people, requests_):
    requesters = {people["zhang"].email, people["noname"].email, people["li"].email}
    others = [m for m in mail.outbox if not set(m.to) & requesters]
    assert others, "workers and the company were told"
    for message in others:
        text = (
            message.subject + message.body + "".join(str(c) for c, _ in getattr(message, "alternatives", []))
        )
        assert_no_secret(text, message.to)
        assert LI["email"] not in text


def test_meeting_pages_name_no_requester_and_no_address(
    client, community, category, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hidden = request_submit(
            community=community,
            by=people["zhang"],
            title="电梯经常停运",
            description="3号楼电梯",
            category=category,
        )
        nameless = request_submit(
            community=community,
            by=people["noname"],
            title="垃圾站异味",
            description="夏天很臭",
            category=category,
            show_name=True,
        )
    meeting = make_meeting(community, status=Meeting.Status.SCHEDULED)
    parties = four_parties(meeting)
    item = meeting.agenda_items.first()
    agenda_item_link_requests(item=item, by=meeting.convener, requests=[hidden, nameless])
    chair = parties["chair"].user
    with django_capture_on_commit_callbacks(execute=True):
        meeting_start(meeting=meeting, by=chair)
        minute_add(meeting=meeting, by=parties["secretary"].user, kind="note", text="讨论电梯和垃圾站")
        event = motions.motion_open(meeting=meeting, by=chair, text="大修3号楼电梯", agenda_item=item)
        motion = Motion.objects.get(pk=event.payload["id"])
        motions.ballot_cast(motion=motion, by=parties["committee"].user, choice="for")
        motions.motion_close(motion=motion, by=chair)
        meeting_close(meeting=meeting, by=chair)
    resolution = Resolution.objects.get(motion=motion)
    urls = [
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/live/",
        f"/meetings/{meeting.pk}/minutes/print/",
        f"/meetings/{meeting.pk}/resolutions/",
        f"/communities/{community.pk}/resolutions/",
        f"/resolutions/{resolution.pk}/",
    ]
    for role in PUBLIC + REACH:
        for url in urls:
            body = read(client, viewer(people, role), url)
            assert_no_secret(body, (role, url))
            assert "@example.org" not in body, (role, url)
    assert "电梯经常停运" in read(client, None, f"/resolutions/{resolution.pk}/")
    requesters = {people["zhang"].email, people["noname"].email}
    for message in mail.outbox:
        if not set(message.to) & requesters:
            assert_no_secret(message.subject + message.body, message.to)
