"""The CMS runs the hall: each community has a Wagtail ``HallPage`` whose rules, notices and
contacts editors write (drafts, revisions, preview), whose routes serve the hall's screens, and
whose old addresses answer a permanent redirect."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from cms.models import CommunityPage
from deliberation.models import Category, HallPage
from deliberation.selectors import hall_page_for, hall_url, request_url
from deliberation.services.pages import hall_page_ensure
from deliberation.services.requests import request_submit
from meetings.models import MeetingIndexPage
from meetings.selectors import meetings_url

pytestmark = pytest.mark.django_db

RULES = "每月第一个周一晚七点议事；附议满三人提交四方会议。"


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser(email="editor@example.org", password="x-pass-123")


@pytest.fixture
def hall_page(community):
    return HallPage.objects.child_of(community).get()


@pytest.fixture
def hall_request(community, users_by_role):
    return request_submit(
        community=community,
        by=users_by_role["resident"],
        title="路灯坏了",
        description="北门路灯不亮",
        category=Category.objects.first(),
    )


def _edit_form(page, **fields):
    data = {
        "title": page.title,
        "slug": page.slug,
        "rules": rich_text(page.rules),
        "notices": rich_text(page.notices),
        "contacts": rich_text(page.contacts),
        "comments": inline_formset([]),
    }
    data.update(fields)
    return nested_form_data(data)


def test_each_community_has_one_hall_page_and_one_meetings_page_below_it(community):
    hall = HallPage.objects.child_of(community).get()
    meetings = MeetingIndexPage.objects.child_of(community).get()
    assert hall.url == f"{community.url}hall/" and meetings.url == f"{community.url}meetings/"
    assert hall.live and meetings.live
    assert hall_page_ensure(community) == hall  # never twice
    assert not HallPage.can_create_at(community) and not MeetingIndexPage.can_create_at(community)


def test_published_rules_show_on_the_hall_page_and_a_draft_does_not(client, community, hall_page):
    hall_page.rules = f"<p>{RULES}</p>"
    hall_page.notices = "<p>本周六停水。</p>"
    hall_page.save_revision().publish()
    page = client.get(hall_url(community)).content.decode()
    assert RULES in page and "本周六停水。" in page and 'id="hall-rules"' in page

    draft = HallPage.objects.get(pk=hall_page.pk)
    draft.rules = "<p>草稿：尚未发布的规则</p>"
    draft.save_revision()
    page = client.get(hall_url(community)).content.decode()
    assert RULES in page and "尚未发布" not in page


def test_an_editor_changes_the_rules_in_the_admin_and_the_hall_shows_them(
    client, community, hall_page, editor
):
    client.force_login(editor)
    edit = f"/admin/pages/{hall_page.pk}/edit/"
    assert client.get(edit).status_code == 200
    response = client.post(
        edit, _edit_form(hall_page, rules=rich_text(f"<p>{RULES}</p>"), **{"action-publish": "1"})
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert RULES in HallPage.objects.get(pk=hall_page.pk).rules
    client.logout()
    assert RULES in client.get(hall_url(community)).content.decode()


def test_a_saved_draft_shows_only_after_it_is_published(client, community, hall_page, editor):
    client.force_login(editor)
    edit = f"/admin/pages/{hall_page.pk}/edit/"
    assert client.post(edit, _edit_form(hall_page, rules=rich_text(f"<p>{RULES}</p>"))).status_code == 302
    assert RULES not in client.get(hall_url(community)).content.decode()
    HallPage.objects.get(pk=hall_page.pk).get_latest_revision().publish()
    assert RULES in client.get(hall_url(community)).content.decode()


def test_the_preview_shows_the_unsaved_rules(client, community, hall_page, editor):
    client.force_login(editor)
    preview = f"/admin/pages/{hall_page.pk}/edit/preview/"
    response = client.post(preview, _edit_form(hall_page, rules=rich_text(f"<p>{RULES}</p>")))
    assert json.loads(response.content)["is_valid"] is True
    page = client.get(preview).content.decode()
    assert RULES in page
    assert RULES not in HallPage.objects.get(pk=hall_page.pk).rules


def test_the_old_hall_urls_answer_301_to_the_page(client, community, hall_page, hall_request):
    base = hall_page.url
    for old, new in (
        (f"/communities/{community.pk}/hall/", base),
        (f"/communities/{community.pk}/hall/?flag=proposed&page=2", f"{base}?flag=proposed&page=2"),
        (f"/communities/{community.pk}/hall/new/", f"{base}new/"),
        (f"/communities/{community.pk}/hall/record/", f"{base}record/"),
        (f"/requests/{hall_request.tracking_number}/", f"{base}requests/{hall_request.tracking_number}/"),
        (
            f"/requests/{hall_request.tracking_number}/?from=mail",
            f"{base}requests/{hall_request.tracking_number}/?from=mail",
        ),
        (f"/requests/{hall_request.pk}/", f"{base}requests/{hall_request.pk}/"),
        (
            f"/requests/{hall_request.tracking_number}/support/",
            f"{base}requests/{hall_request.tracking_number}/support/",
        ),
        (f"/communities/{community.pk}/meetings/", meetings_url(community)),
        (
            f"/communities/{community.pk}/meetings/new/?x=1",
            meetings_url(community, "meeting_create") + "?x=1",
        ),
    ):
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == new, (old, response)
    assert client.get(base).status_code == 200
    assert client.get(request_url(hall_request)).status_code == 200


def test_a_form_posted_to_an_old_address_is_repeated_at_the_new_one(client, hall_request, users_by_role):
    client.force_login(users_by_role["representative"])
    old = f"/requests/{hall_request.tracking_number}/support/"
    response = client.post(old)
    assert response.status_code == 308 and response["Location"] == request_url(
        hall_request, "request_support", "support"
    )
    assert client.post(response["Location"]).status_code == 302
    hall_request.refresh_from_db()
    assert hall_request.num_vote_up == 1


def test_unknown_ids_and_refs_are_404(client, community, hall_request):
    for url in ("/communities/999999/hall/", "/communities/999999/meetings/", "/requests/SQ-2026-999999/"):
        assert client.get(url).status_code == 404, url
    assert client.get(hall_url(community, "request_detail", "SQ-2026-999999")).status_code == 404


def test_a_request_of_another_community_is_404_under_this_hall(client, other_community, hall_request):
    foreign = hall_url(other_community, "request_detail", hall_request.tracking_number)
    assert client.get(foreign).status_code == 404
    assert client.get(request_url(hall_request)).status_code == 200


def test_links_and_mails_point_below_the_page_tree(community, hall_page, hall_request):
    assert hall_request.get_absolute_url() == f"{hall_page.url}requests/{hall_request.tracking_number}/"
    assert hall_url(community, "request_new") == f"{hall_page.url}new/"
    assert request_url(hall_request, "request_action", "accept") == (
        f"{hall_page.url}requests/{hall_request.tracking_number}/accept/"
    )


def test_the_community_page_links_to_its_hall_and_meetings(client, community, hall_page):
    body = client.get(community.url).content.decode()
    assert f'href="{hall_page.url}"' in body and f'href="{meetings_url(community)}"' in body


def test_a_community_created_in_the_admin_gets_its_hall_and_meetings_pages(client, street, editor):
    client.force_login(editor)
    add = f"/admin/pages/add/cms/communitypage/{street.pk}/"
    assert client.get(add).status_code == 200
    data = nested_form_data(
        {
            "title": "团结社区",
            "slug": "tuanjie",
            "area": "赛罕区",
            "address": "",
            "phone": "",
            "intro": rich_text(""),
            "property_company": "",
            "support_threshold": "10",
            "comments": inline_formset([]),
            "action-publish": "1",
        }
    )
    response = client.post(add, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    community = CommunityPage.objects.get(slug="tuanjie")
    assert HallPage.objects.child_of(community).count() == 1
    assert MeetingIndexPage.objects.child_of(community).count() == 1
    client.logout()
    assert client.get(f"{community.url}hall/").status_code == 200
    assert client.get(f"{community.url}meetings/").status_code == 200


def test_the_hall_page_is_looked_up_once_per_page_view(community, rf):
    request = rf.get("/")
    first = hall_page_for(community, request=request)
    hall_url(community, request=request)  # the site's root paths are also kept on the request
    with CaptureQueriesContext(connection) as queries:
        assert hall_page_for(community, request=request) is first
        hall_url(community, "request_new", request=request)
    assert len(queries) == 0
