"""The page tree's routing (``cms.models.ChildInOneQuery``): one query per level of the URL, and
the same answer as Wagtail's own ``Page.route`` for every page, type and state."""

import datetime

import pytest
from django.http import Http404
from django.test import RequestFactory
from wagtail.models import Page, PageViewRestriction

from cms.models import CommunityPage, HomePage, NewsPage, StreetOfficePage
from deliberation.models import HallPage
from meetings.models import MeetingIndexPage
from tests.factories import make_community

pytestmark = pytest.mark.django_db


def wagtail_route(page, components):
    """What Wagtail's own ``Page.route`` answers, level by level (two queries each)."""
    if not components:
        return Page.route(page, None, components)
    child = page.get_children().get(slug=components[0]).specific
    return wagtail_route(child, components[1:]) if components[1:] else Page.route(child, None, [])


@pytest.fixture
def tree(street, company):
    community = make_community(street=street, company=company, slug="xingfu")
    news = NewsPage(
        title="停水通知", slug="notice", date=datetime.date(2026, 12, 1), body="<p>明天停水。</p>"
    )
    community.add_child(instance=news)
    plain = Page(title="旧页面", slug="plain")  # a type the admin never puts below a community
    community.add_child(instance=plain)
    draft = NewsPage(
        title="草稿", slug="draft", live=False, date=datetime.date(2026, 12, 1), body="<p>草稿</p>"
    )
    community.add_child(instance=draft)
    return {"home": HomePage.objects.get(), "street": street, "community": community}


def route(tree, *components):
    return tree["home"].route(RequestFactory().get("/"), list(components))


def test_a_hall_route_reads_each_level_of_its_url_once(tree, django_assert_num_queries):
    street, community = tree["street"].slug, tree["community"].slug
    with django_assert_num_queries(3):
        page, args, kwargs = route(tree, street, community, "hall", "new")
    assert type(page) is HallPage
    assert page.pk == HallPage.objects.child_of(tree["community"]).get().pk
    assert page.rules == HallPage.objects.get(pk=page.pk).rules  # every field of the specific page
    with django_assert_num_queries(0):  # the parent comes with the route
        parent = page.get_parent()
    assert type(parent) is CommunityPage and parent.pk == tree["community"].pk
    assert parent.support_threshold == tree["community"].support_threshold
    view, view_args, view_kwargs = args  # RoutablePageMixin: the route's view and its arguments
    assert view.__name__ == "new" and (view_args, view_kwargs, kwargs) == ((), {}, {})


@pytest.mark.parametrize(
    "components",
    [
        [],
        ["{street}"],
        ["{street}", "{community}"],
        ["{street}", "{community}", "hall"],
        ["{street}", "{community}", "meetings"],
        ["{street}", "{community}", "notice"],
        ["{street}", "{community}", "plain"],
    ],
)
def test_every_page_is_routed_as_wagtail_routes_it(tree, components):
    components = [c.format(street=tree["street"].slug, community=tree["community"].slug) for c in components]
    ours, theirs = route(tree, *components), wagtail_route(tree["home"], components)
    assert type(ours.page) is type(theirs.page)
    assert ours.page.pk == theirs.page.pk
    assert {
        field.attname: getattr(ours.page, field.attname) for field in type(ours.page)._meta.concrete_fields
    } == {
        field.attname: getattr(theirs.page, field.attname)
        for field in type(theirs.page)._meta.concrete_fields
    }


def test_the_types_of_the_tree_are_the_specific_ones(tree):
    street, community = tree["street"].slug, tree["community"].slug
    assert type(route(tree, street).page) is StreetOfficePage
    assert type(route(tree, street, community).page) is CommunityPage
    assert type(route(tree, street, community, "meetings").page) is MeetingIndexPage
    assert type(route(tree, street, community, "notice").page) is NewsPage
    assert type(route(tree, street, community, "plain").page) is Page


@pytest.mark.parametrize(
    "components",
    [
        ["nowhere"],
        ["{street}", "nowhere"],
        ["{street}", "{community}", "nowhere"],
        ["{street}", "{community}", "draft"],  # not live
        ["{street}", "{community}", "notice", "below"],  # a news page has no children
        ["{street}", "{community}", "hall", "no-such-route"],
        ["{community}"],  # a community is not a child of the home page
    ],
)
def test_what_wagtail_does_not_find_is_a_404(tree, components):
    components = [c.format(street=tree["street"].slug, community=tree["community"].slug) for c in components]
    with pytest.raises(Http404):
        route(tree, *components)
    with pytest.raises((Http404, Page.DoesNotExist)):
        wagtail_route(tree["home"], components)


@pytest.mark.parametrize("child", ["hall", "meetings"])
def test_the_route_s_view_reads_no_page_the_routing_read(tree, child, client):
    """The hall's and the meetings' views take their community from the routing (its row came
    joined to its page), and the page's parents are not read again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/{tree['street'].slug}/{tree['community'].slug}/{child}/"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert tree["community"].title in response.content.decode()
    page_reads = [q["sql"] for q in queries.captured_queries if 'FROM "cms_communitypage"' in q["sql"]]
    assert page_reads == []
    levels = [q["sql"] for q in queries.captured_queries if '"wagtailcore_page"."slug" =' in q["sql"]]
    assert len(levels) == 3  # street, community, hall or meetings: one query each


def _restrictions(tree, *placed):
    """View restrictions on the pages named (``login`` or ``password``), as editors set them."""
    pages = {
        "community": tree["community"],
        "news": NewsPage.objects.get(slug="notice"),
        "hall": HallPage.objects.child_of(tree["community"]).get(),
        "street": tree["street"],
    }
    for name, kind in placed:
        PageViewRestriction.objects.create(
            page=pages[name],
            restriction_type=kind,
            password="secret" if kind == PageViewRestriction.PASSWORD else "",
        )
    return pages


@pytest.mark.parametrize(
    "placed",
    [
        [],
        [("news", PageViewRestriction.LOGIN)],
        [("community", PageViewRestriction.PASSWORD)],
        [("street", PageViewRestriction.LOGIN), ("hall", PageViewRestriction.PASSWORD)],
    ],
)
def test_a_page_s_view_restrictions_are_wagtail_s_read_in_one_query(tree, placed, django_assert_num_queries):
    """``cms.models.RestrictionsInOneQuery``: the page's own restrictions and its ancestors', as
    Wagtail's ``Page.get_view_restrictions`` finds them, in one query instead of two."""
    pages = _restrictions(tree, *placed)
    for page in [*pages.values(), tree["home"]]:
        page = Page.objects.get(pk=page.pk).specific
        with django_assert_num_queries(1):
            ours = sorted(restriction.pk for restriction in page.get_view_restrictions())
        assert ours == sorted(restriction.pk for restriction in Page.get_view_restrictions(page))


def test_an_alias_is_restricted_as_the_page_it_stands_for(tree):
    """Wagtail checks the page an alias stands for in place of the alias, for the page and for
    each of its ancestors: so do we."""
    pages = _restrictions(tree, ("news", PageViewRestriction.LOGIN))
    other = make_community(street=tree["street"], slug="hexie", title="和谐社区")
    alias = pages["news"].create_alias(parent=other, update_slug="notice-copy")
    PageViewRestriction.objects.create(
        page=alias, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    alias = Page.objects.get(pk=alias.pk).specific
    ours = sorted(restriction.pk for restriction in alias.get_view_restrictions())
    assert ours == sorted(restriction.pk for restriction in Page.get_view_restrictions(alias))
    assert [r.restriction_type for r in alias.get_view_restrictions()] == [PageViewRestriction.LOGIN]


def test_a_restricted_page_asks_for_its_password_and_a_private_one_for_a_login(tree, client):
    pages = _restrictions(tree, ("news", PageViewRestriction.PASSWORD), ("hall", PageViewRestriction.LOGIN))
    response = client.get(pages["news"].url)
    assert response.status_code == 200 and 'name="password"' in response.content.decode()
    response = client.get(pages["hall"].url)
    assert response.status_code == 302 and "login" in response["Location"]
