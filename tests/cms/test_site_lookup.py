"""Which Wagtail site answers a request (cms/sites.py): asked of the database once per host and
process, and asked again as soon as a site is saved or deleted, by an editor or anyone."""

import re
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page, Site

from cms import sites
from cms.models import HomePage, NewsPage
from tests.factories import PropertyCompanyFactory, make_community, make_street

pytestmark = pytest.mark.django_db


@pytest.fixture
def hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver", "xingfu.test", "other.test"]
    street = make_street(title="大学西路街道")
    company = PropertyCompanyFactory(name="宜居物业")
    community = make_community(street=street, title="幸福社区", slug="xingfu", company=company)
    return community


def site_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "wagtailcore_site"' in q["sql"]]


def test_a_host_is_looked_up_once_then_remembered(client, hosts):
    assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200 and "幸福社区" in response.content.decode()
    assert site_queries(queries.captured_queries) == []
    # The page's own links still know their site.
    assert hosts.get_url(response.wsgi_request) == hosts.url


def test_a_site_saved_is_seen_at_the_next_request(client, hosts):
    """A second site for one community's own host name: served at once, and gone at once."""
    assert "大学西路街道" in client.get("/", HTTP_HOST="xingfu.test").content.decode()  # the default
    site = Site.objects.create(hostname="xingfu.test", port=80, root_page=hosts, site_name="幸福社区")
    response = client.get("/", HTTP_HOST="xingfu.test")
    assert response.status_code == 200 and "宜居物业" in response.content.decode()  # the community page
    site.hostname = "other.test"
    site.save()
    assert "大学西路街道" in client.get("/", HTTP_HOST="xingfu.test").content.decode()
    assert "宜居物业" in client.get("/", HTTP_HOST="other.test").content.decode()
    site.delete()
    assert "大学西路街道" in client.get("/", HTTP_HOST="other.test").content.decode()


def test_an_editor_changes_a_sites_host_in_the_admin_and_the_next_request_follows(
    client, hosts, django_user_model
):
    site = Site.objects.create(hostname="xingfu.test", port=80, root_page=hosts, site_name="幸福社区")
    assert "宜居物业" in client.get("/", HTTP_HOST="xingfu.test").content.decode()
    admin = django_user_model.objects.create_superuser(email="admin@example.org", password="x-pass-123")
    editor = type(client)()
    editor.force_login(admin)
    response = editor.post(
        reverse("wagtailsites:edit", args=[site.pk]),
        {"hostname": "other.test", "port": "80", "site_name": "幸福社区", "root_page": hosts.pk},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert "宜居物业" in client.get("/", HTTP_HOST="other.test").content.decode()
    assert "大学西路街道" in client.get("/", HTTP_HOST="xingfu.test").content.decode()


def test_a_change_made_by_another_process_is_seen_through_the_shared_token(client, hosts):
    with mock.patch.object(sites, "get_site_for_hostname", wraps=sites.get_site_for_hostname) as lookup:
        client.get("/")
        client.get("/")
        assert lookup.call_count == 1
        sites.forget_sites()  # what another worker's change writes in the shared cache
        client.get("/")
        assert lookup.call_count == 2


def test_the_change_is_forgotten_again_once_committed(hosts, django_capture_on_commit_callbacks):
    """Another process may ask between the change and its commit, and remember the old row."""
    with django_capture_on_commit_callbacks() as callbacks:
        Site.objects.create(hostname="xingfu.test", port=80, root_page=hosts)
    assert sites.forget_sites in callbacks
    with django_capture_on_commit_callbacks() as callbacks:
        Page.objects.get(pk=hosts.pk).delete()  # deleting a root page deletes its site
    assert not Site.objects.filter(hostname="xingfu.test").exists()
    assert sites.forget_sites in callbacks


def test_any_number_of_hosts_is_answered_and_few_are_remembered(hosts, settings):
    default = Site.objects.get(is_default_site=True)
    for n in range(sites.MAX_HOSTS * 2):
        assert sites.site_for_host(f"host{n}.test", 80).pk == default.pk
    assert len(sites._remembered.rows) <= sites.MAX_HOSTS


def test_a_host_not_allowed_is_still_refused_with_400(client, hosts):
    assert client.get("/", HTTP_HOST="evil.test").status_code == 400


def test_a_cache_that_cannot_be_used_leaves_the_answer_to_wagtails_query(client, hosts):
    """The shared cache down (Redis): nothing is remembered, every request is still answered by
    Wagtail's query, and a site can still be saved."""
    broken = mock.Mock(**{f"{name}.side_effect": ConnectionError("down") for name in ("get", "add", "set")})
    lookup = mock.patch.object(sites, "get_site_for_hostname", wraps=sites.get_site_for_hostname)
    with mock.patch.object(sites, "cache", broken), lookup as lookups:
        assert "大学西路街道" in client.get("/").content.decode()
        assert "大学西路街道" in client.get("/").content.decode()
        assert lookups.call_count == 2
        Site.objects.create(hostname="xingfu.test", port=80, root_page=hosts, site_name="幸福社区")
        assert "宜居物业" in client.get("/", HTTP_HOST="xingfu.test").content.decode()


def root_page_reads(queries, root) -> list[str]:
    """The queries that get the root page's row by its id: Wagtail's base row, or the row of its
    type (not the queries of its children, which name it in their conditions)."""
    by_id = re.compile(rf'WHERE "\w+"\."(?:id|page_ptr_id)" = {root.pk} LIMIT 21$')
    return [q["sql"] for q in queries if by_id.search(q["sql"])]


@pytest.mark.parametrize("host", ["testserver", "xingfu.test"])
def test_a_page_served_reads_its_site_s_root_page_once_as_its_own_type(client, hosts, host):
    """The home page (the default site's root) and a community page (the root of its own host's
    site): one query each for the root, where Wagtail reads the base row and then the specific
    one; the page served is the same."""
    Site.objects.create(hostname="xingfu.test", port=80, root_page=hosts, site_name="幸福社区")
    root = Site.objects.get(hostname=host) if host != "testserver" else Site.objects.get(is_default_site=True)
    root = root.root_page.specific
    client.get("/", HTTP_HOST=host)  # the host remembered
    with CaptureQueriesContext(connection) as ours:
        response = client.get("/", HTTP_HOST=host)
    with mock.patch.object(sites, "read_root_page"), CaptureQueriesContext(connection) as wagtails:
        theirs = client.get("/", HTTP_HOST=host)
    assert response.status_code == theirs.status_code == 200
    assert response.context["page"].pk == theirs.context["page"].pk == root.pk
    assert type(response.context["page"]) is type(theirs.context["page"]) is type(root)
    assert len(root_page_reads(ours.captured_queries, root)) == 1
    assert len(root_page_reads(wagtails.captured_queries, root)) == 2
    assert len(ours.captured_queries) == len(wagtails.captured_queries) - 1


def test_a_view_that_serves_no_page_never_reads_the_root_page(client, hosts):
    home = Site.objects.get(is_default_site=True).root_page
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("account_login")).status_code == 200
    assert root_page_reads(queries.captured_queries, home) == []


def test_a_root_page_not_of_its_remembered_type_is_left_to_wagtail(hosts):
    """A row remembered before a change no signal tells of: Wagtail's queries answer, as before."""
    site = sites.site_for_host("testserver", 80)
    for stale in (
        ContentType.objects.get_for_model(NewsPage).pk,
        ContentType.objects.order_by("pk").last().pk + 1,
    ):
        setattr(site, sites.ROOT_TYPE, stale)
        sites.read_root_page(site)
        assert not Site.root_page.is_cached(site)
    assert type(site.root_page.specific) is HomePage
