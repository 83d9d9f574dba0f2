"""The community's four-party meetings list is a Wagtail page (``MeetingIndexPage``): editors write
its introduction; its routes serve the list and the convening form; the old URLs redirect."""

import pytest

from meetings.models import MeetingIndexPage
from meetings.selectors import meetings_url
from meetings.services.pages import meeting_index_ensure

pytestmark = pytest.mark.django_db

INTRO = "四方会议由业委会、物业、居民代表和社区共同参加，每月召开一次。"


def test_the_published_intro_shows_above_the_meetings_and_a_draft_does_not(client, community):
    page = MeetingIndexPage.objects.child_of(community).get()
    page.intro = f"<p>{INTRO}</p>"
    page.save_revision().publish()
    assert INTRO in client.get(meetings_url(community)).content.decode()
    draft = MeetingIndexPage.objects.get(pk=page.pk)
    draft.intro = "<p>草稿说明</p>"
    draft.save_revision()
    body = client.get(meetings_url(community)).content.decode()
    assert INTRO in body and "草稿说明" not in body


def test_the_routes_serve_the_list_and_the_convening_form(client, community, worker, users_by_role):
    page = meeting_index_ensure(community)
    assert (
        meetings_url(community) == page.url and meetings_url(community, "meeting_create") == f"{page.url}new/"
    )
    assert client.get(meetings_url(community)).status_code == 200
    client.force_login(users_by_role["resident"])
    assert client.get(meetings_url(community, "meeting_create")).status_code == 403
    client.force_login(worker)
    assert client.get(meetings_url(community, "meeting_create")).status_code == 200


def test_the_old_urls_answer_301_and_unknown_communities_404(client, community):
    response = client.get(f"/communities/{community.pk}/meetings/?page=2")
    assert response.status_code == 301 and response["Location"] == f"{meetings_url(community)}?page=2"
    response = client.get(f"/communities/{community.pk}/meetings/new/")
    assert response.status_code == 301 and response["Location"] == meetings_url(community, "meeting_create")
    assert client.get("/communities/999999/meetings/").status_code == 404
