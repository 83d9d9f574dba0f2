"""Issue 14: the home page of a city does not grow with it — up to ``LIST_ALL_UP_TO`` communities
it lists them all (one query, not one per street office); above, it lists the street offices a
page at a time and finds a community by its name."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import HomePage
from tests.factories import make_community, make_street

pytestmark = pytest.mark.django_db


def queries(client, url="/", **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return response, len(captured)


def test_a_small_deployment_lists_every_community_in_a_fixed_number_of_queries(client):
    street = make_street(title="大学西路街道")
    make_community(street=street, title="幸福社区")
    client.get("/")  # per-process caches (the site root) filled once
    _page, few = queries(client)
    for i in range(4):
        make_community(street=make_street(title=f"第{i}街道"), title=f"第{i}社区")
    page, more = queries(client)
    assert more == few
    text = page.content.decode()
    assert "幸福社区" in text and "第3社区" in text and "第3街道" in text


def test_a_city_lists_street_offices_by_page_and_finds_a_community_by_name(client, monkeypatch):
    monkeypatch.setattr(HomePage, "LIST_ALL_UP_TO", 2)
    monkeypatch.setattr(HomePage, "STREETS_PER_PAGE", 2)
    streets = [make_street(title=f"第{i}街道") for i in range(3)]
    for i, street in enumerate(streets):
        make_community(street=street, title=f"和平{i}社区")
        make_community(street=street, title=f"幸福{i}社区")
    client.get("/")
    page, first = queries(client)
    text = page.content.decode()
    assert "第0街道" in text and "第1街道" in text and "第2街道" not in text
    assert "2 communities" in text or "2个社区" in text
    assert "和平0社区" not in text  # the communities are on their street's page
    assert 'href="?page=2"' in text
    page2, second = queries(client, page=2)
    assert "第2街道" in page2.content.decode() and second == first

    found, _n = queries(client, community="幸福1")
    found_text = found.content.decode()
    assert "幸福1社区" in found_text and "和平1社区" not in found_text
    assert "No community has that name" in queries(client, community="没有这个")[0].content.decode() or (
        "没有叫这个名字的社区" in queries(client, community="没有这个")[0].content.decode()
    )
    for hostile in ["'", "%", "x" * 500, "\x00", "<script>"]:
        assert client.get("/", {"community": hostile, "page": "abc"}).status_code == 200
