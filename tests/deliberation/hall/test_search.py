"""Issue 14: search that works in Chinese, on both databases — a two-character word (漏水) finds
楼道漏水三天了 across a street's requests, ranked by relevance, and on PostgreSQL through an index."""

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from deliberation.models import Request
from deliberation.search import grams_of, query_terms, search_requests
from deliberation.selectors import hall_url, request_list
from tests.factories import make_community

pytestmark = pytest.mark.django_db


def add(community, category, requester, title, description="", location=""):
    return Request.objects.create(
        community=community,
        category=category,
        requester=requester,
        title=title,
        description=description or "详情见标题",
        location=location,
        tracking_number=f"SQ-2026-{800000 + Request.objects.count():06d}",
    )


@pytest.fixture
def street_requests(community, categories, users_by_role):
    other = make_community(street=community.get_parent().specific, title="和平社区")
    far = make_community(title="别的街道的社区")  # another street
    resident, repair = users_by_role["resident"], categories["设施维修"]
    return {
        "leak": add(community, repair, resident, "楼道漏水三天了", "3号楼2单元楼道顶上一直滴水"),
        "basement": add(other, repair, resident, "地下室积水", "下雨后地下室漏水严重，请物业处理"),
        "lift": add(community, repair, resident, "电梯又坏了", "5号楼电梯停运", location="5号楼"),
        "intercom": add(community, repair, resident, "门禁", "The intercom at gate 2 is BROKEN"),
        "far": add(far, repair, resident, "屋顶漏水", "别的街道"),
        "street": community.get_parent().specific,
        "communities": [community, other],
    }


def found(street_requests, q):
    queryset = Request.objects.filter(community__in=street_requests["communities"])
    return list(search_requests(queryset, q))


def test_a_two_character_word_finds_it_across_the_streets_requests(street_requests):
    leak, basement = street_requests["leak"], street_requests["basement"]
    # In the title of one, in the description of another community's (same street), best match first;
    # the other street's 屋顶漏水 is outside the queryset.
    assert found(street_requests, "漏水") == [leak, basement]
    assert found(street_requests, "楼道漏水") == [leak]
    assert set(found(street_requests, "了")) == {leak, street_requests["lift"]}  # a run's last character
    assert found(street_requests, "滴") == [leak]  # a single character anywhere
    assert found(street_requests, "停运") == [street_requests["lift"]]
    assert found(street_requests, "5号楼") == [street_requests["lift"]]
    assert found(street_requests, "漏电") == []


def test_latin_words_case_width_and_tracking_numbers(street_requests):
    intercom, lift = street_requests["intercom"], street_requests["lift"]
    assert found(street_requests, "broken intercom") == [intercom]
    assert found(street_requests, "INTERC") == [intercom]  # a word's beginning
    assert found(street_requests, "ｂｒｏｋｅｎ") == [intercom]  # full-width forms
    assert found(street_requests, "broken lift") == []  # every term must be there
    assert found(street_requests, lift.tracking_number.lower()) == [lift]
    assert found(street_requests, "%") == found(street_requests, "'") == []
    assert found(street_requests, "漏水 ' & | ! :* (") == [
        street_requests["leak"],
        street_requests["basement"],
    ]


def test_the_terms_follow_every_change_of_the_text(street_requests):
    lift = street_requests["lift"]
    lift.title = "电梯修好了"
    lift.save(update_fields=["title"])
    assert found(street_requests, "修好") == [lift]
    assert found(street_requests, "坏了") == []
    lift.status = Request.Status.ACCEPTED
    lift.save(update_fields=["status"])  # the terms stay
    assert found(street_requests, "修好") == [lift]


def test_the_hall_searches_with_the_filters_and_ranks_unless_sorted(client, street_requests, community):
    leak = street_requests["leak"]
    another = add(community, leak.category, leak.requester, "车棚", "车棚顶漏水", location="")
    hall = hall_url(community)
    assert list(client.get(f"{hall}?q=漏水").context["page_obj"]) == [leak, another]  # title first
    assert list(client.get(f"{hall}?q=漏水&sort=newest").context["page_obj"]) == [another, leak]
    assert list(request_list(communities=street_requests["communities"], q="漏水")) == [
        leak,  # in the title
        another,  # then as good a match each, the newest first
        street_requests["basement"],
    ]
    for hostile in ["'", "\\", "漏水'); drop table x;--", "a" * 100, "::", "漏 & !"]:
        assert client.get(hall, {"q": hostile}).status_code == 200


@pytest.mark.postgres
def test_postgresql_uses_the_index(street_requests):
    queryset = search_requests(Request.objects.all(), "漏水")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = queryset.explain()
        cursor.execute("RESET enable_seqscan")
    assert "deliberation_request_search_vector_gin" in plan, plan


@given(st.text(max_size=60))
def test_any_text_is_found_by_any_piece_of_it(text):
    """Whatever a request says, each of its words and each slice of its Chinese finds it."""
    grams = set(grams_of(text).split())
    for term, prefix in query_terms(text):
        assert any(g.startswith(term) for g in grams) if prefix else term in grams


def test_the_street_page_searches_every_community_of_the_street(client, street_requests):
    from django.urls import reverse

    street = street_requests["street"]
    url = reverse("street_requests", args=[street.pk])
    page = client.get(url, {"q": "漏水"})
    assert list(page.context["page_obj"]) == [street_requests["leak"], street_requests["basement"]]
    text = page.content.decode()
    assert "和平社区" in text and "屋顶漏水" not in text  # the community is named; not the other street's
    assert f'action="{url}"' in client.get(street.url).content.decode()  # the street page's search box
    # An unpublished community's requests are not listed.
    other = street_requests["basement"].community
    other.live = False
    other.save(update_fields=["live"])
    assert list(client.get(url, {"q": "漏水"}).context["page_obj"]) == [street_requests["leak"]]
    for hostile in ["'", "漏水'); --", "x" * 500, "\x00"]:
        assert client.get(url, {"q": hostile}).status_code == 200
    assert client.get(url, {"page": "abc", "status": "nope"}).status_code == 200
    assert client.get(reverse("street_requests", args=[99999999])).status_code == 404
