"""Finding one's way (issue 12): the header's links per role (``selectors.nav_links_for``), where a
login lands, the counts of what waits, "my requests", the folded hall filters and the stars' words."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from deliberation.models import Membership, Notification, Request, Role
from deliberation.selectors import hall_url, header_for, landing_url_for, nav_links_for, request_url
from deliberation.services.memberships import membership_request
from deliberation.services.requests import request_accept, request_escalate, request_resolve, request_submit
from tests.conftest import as_user
from tests.factories import UserFactory, make_community, make_member

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # tests.factories.UserFactory

#: role → the header's links (their keys) for ``community``; {c} is the community's id.
EXPECTED_KEYS = {
    "anonymous": [],
    "outsider": [],
    "resident": ["mine"],
    "representative": ["mine"],
    "committee": ["mine"],
    "property": ["company"],
    "worker": ["work", "members-{c}", "roster-{c}"],
    "street": ["escalations", "street_statistics"],
    "admin": [],  # a site admin without a membership works in the Wagtail admin
}


def keys(user, community):
    return [link.key for link in nav_links_for(as_user(user))]


def expected_keys(role, community):
    return [key.format(c=community.pk) for key in EXPECTED_KEYS[role]]


def submit(community, by, category, title="楼道灯不亮"):
    return request_submit(
        community=community, by=by, title=title, description="晚上看不见台阶。", category=category
    )


@pytest.mark.parametrize("role", list(EXPECTED_KEYS))
def test_each_role_gets_its_own_links_from_the_selector(role, users_by_role, community):
    assert keys(users_by_role[role], community) == expected_keys(role, community)


@pytest.mark.parametrize("role", [r for r in EXPECTED_KEYS if r != "anonymous"])
def test_the_header_shows_exactly_the_selectors_links(role, client, users_by_role, community):
    client.force_login(users_by_role[role])
    html = client.get(reverse("profile")).content.decode()
    header = html.split("</header>")[0]
    assert re.findall(r'data-nav="([^"]+)"', header) == expected_keys(role, community)
    for link in nav_links_for(users_by_role[role]):
        assert f'href="{link.url}"' in header


def test_the_links_lead_to_pages_that_open(client, users_by_role, community):
    for role in ("resident", "property", "worker", "street"):
        client.force_login(users_by_role[role])
        for link in nav_links_for(users_by_role[role]):
            assert client.get(link.url.split("#")[0]).status_code == 200, (role, link.url)


def test_a_worker_of_two_communities_sees_which_is_which(users_by_role, community, street):
    worker = users_by_role["worker"]
    second = make_community(street=street, title="和平社区")
    Membership.objects.create(user=worker, community=second, role="worker", status=Membership.Status.APPROVED)
    with translation.override("en"):
        labels = [str(link.label) for link in nav_links_for(worker)]
    assert "Members · 和平社区" in labels and f"Members · {community.title}" in labels


def test_a_worker_who_submitted_a_request_also_finds_it(users_by_role, community, category):
    worker = users_by_role["worker"]
    submit(community, worker, category)
    assert keys(worker, community)[0] == "work" and "mine" in keys(worker, community)


def counts(user):
    return {link.key: link.count for link in nav_links_for(user)}


def test_a_worker_who_submitted_a_request_is_told_of_its_news_too(users_by_role, community, category):
    worker, colleague = users_by_role["worker"], make_member(community, role=Role.WORKER)
    own = submit(community, worker, category, title="社工自己报的诉求")
    assert counts(worker)["mine"] == 1  # the receipt
    Notification.objects.filter(user=worker).update(
        read_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    assert counts(worker)["mine"] == 0
    request_accept(request=own, by=colleague, party="community")
    assert counts(worker)["mine"] == 1  # told of the acceptance
    assert [link.key for link in nav_links_for(worker, counts=False)][-3:] == [
        "mine",
        f"members-{community.pk}",
        f"roster-{community.pk}",
    ]


def test_counts_of_what_waits_are_right_per_role(users_by_role, community, category, street):
    resident, worker = users_by_role["resident"], users_by_role["worker"]
    property_staff, officer = users_by_role["property"], users_by_role["street"]
    assert counts(worker)["work"] == 0 and counts(resident)["mine"] == 0

    first, second, third = (submit(community, resident, category, title=f"诉求{n}") for n in range(3))
    assert counts(worker)["work"] == 3  # three to accept
    request_accept(request=first, by=worker, party="property")
    request_accept(request=second, by=worker, party="community")
    Request.objects.filter(pk=second.pk).update(due_date=datetime.date(2020, 1, 1))  # overdue
    request_escalate(request=second, by=worker, reason="需要街道协调")
    # one to accept (third) + one overdue (second)
    assert counts(worker)["work"] == 2
    assert counts(property_staff)["company"] == 1  # first: assigned to its company, open
    assert counts(officer)["escalations"] == 1
    # The resident was told of two acceptances and an escalation: two requests with news.
    assert counts(resident)["mine"] == 2
    Notification.objects.filter(user=resident, key__startswith=f"request:{first.pk}:").update(
        read_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    assert counts(resident)["mine"] == 1

    # Another company's staff and another street's officers count nothing of this community.
    assert counts(UserFactory(property_company=None)) == {}
    request_resolve(request=first, by=worker)
    assert counts(property_staff)["company"] == 0

    # People waiting for verification: the members link's count.
    membership_request(
        user=UserFactory(), community=community, building="1号楼", unit="1", room="101", tenure="owner"
    )
    assert counts(worker)[f"members-{community.pk}"] == 1


def test_counts_are_aggregate_queries_whatever_the_number_of_requests(
    users_by_role, community, category, django_assert_max_num_queries
):
    resident, worker = users_by_role["resident"], users_by_role["worker"]
    for n in range(12):
        submit(community, resident, category, title=f"诉求{n}")
    for user in (resident, worker, users_by_role["property"], users_by_role["street"]):
        fresh = type(user).objects.get(pk=user.pk)  # no cached roles
        with django_assert_max_num_queries(8):
            nav_links_for(fresh)


@pytest.mark.parametrize("role", [role for role in EXPECTED_KEYS if role != "anonymous"])
def test_the_header_is_read_in_two_queries_whatever_the_role(
    role, users_by_role, community, category, django_assert_num_queries
):
    """Their communities with their roles, then every count and the unread notices in one query
    (a street officer's street is read too: its communities are its page's children)."""
    for n in range(3):
        submit(community, users_by_role["resident"], category, title=f"诉求{n}")
    submit(community, users_by_role["worker"], category, title="社工自己报的诉求")
    fresh = type(users_by_role[role]).objects.get(pk=users_by_role[role].pk)  # no cached roles
    with django_assert_num_queries(3 if role == "street" else 2):
        header = header_for(fresh)
    assert header.unread == Notification.objects.filter(user=fresh, read_at__isnull=True).count()
    assert [link.key for link in header.links] == [link.key for link in nav_links_for(fresh)]


def test_the_inbox_link_counts_the_unread_notices(client, resident, worker, community, category):
    request_accept(request=submit(community, resident, category), by=worker, party="community")
    assert Notification.objects.filter(user=resident, read_at__isnull=True).count() == 1
    client.force_login(resident)
    assert "Mark all as read" in client.get(reverse("inbox")).content.decode()
    header = client.get(reverse("profile")).content.decode().split("</header>")[0]
    assert '<span class="badge" aria-hidden="true">1</span><span class="visually-hidden">(1 unread)' in header
    Notification.objects.filter(user=resident).update(
        read_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    header = client.get(reverse("inbox")).content.decode()
    assert "unread)" not in header.split("</header>")[0]
    assert "Mark all as read" not in header


def test_the_badge_tells_screen_readers_what_it_counts(client, users_by_role, community, category):
    submit(community, users_by_role["resident"], category)
    client.force_login(users_by_role["worker"])
    header = client.get(reverse("profile")).content.decode().split("</header>")[0]
    assert '<span class="badge" aria-hidden="true">1</span>' in header
    assert "(1 to accept, 0 overdue)" in header


# --- Where a login lands -------------------------------------------------------------------


LANDING = {
    "resident": "/my/requests/",
    "committee": "/my/requests/",
    "worker": "/work/",
    "property": "/work/#company",
    "street": "/work/#street",
    "outsider": "/profile/",
}


@pytest.mark.parametrize("role", list(LANDING))
def test_login_lands_where_the_work_is(role, client, users_by_role):
    user = users_by_role[role]
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == LANDING[role] == landing_url_for(user)


@pytest.mark.parametrize("role", ["resident", "worker", "street"])
def test_login_follows_a_safe_next_and_ignores_an_unsafe_one(role, client, users_by_role, community):
    user = users_by_role[role]
    wanted = f"/communities/{community.pk}/statistics/"
    response = client.post(
        f"{reverse('account_login')}?next={wanted}",
        {"login": user.email, "password": PASSWORD, "next": wanted},
    )
    assert response["Location"] == wanted
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == LANDING[role]


# --- My requests ---------------------------------------------------------------------------


def test_my_requests_lists_mine_only_and_marks_the_news(client, users_by_role, community, category):
    resident, worker = users_by_role["resident"], users_by_role["worker"]
    mine = submit(community, resident, category, title="我家楼道灯坏了")
    quiet = submit(community, resident, category, title="健身器材松动")
    submit(community, users_by_role["committee"], category, title="别人的诉求")
    request_accept(request=mine, by=worker)
    client.force_login(resident)
    html = client.get(reverse("my_requests")).content.decode()
    assert "我家楼道灯坏了" in html and "健身器材松动" in html and "别人的诉求" not in html
    rows = html.split('class="request-row"')[1:]
    (news,) = [row for row in rows if "我家楼道灯坏了" in row]
    assert "new update" in news
    assert all("new update" not in row for row in rows if quiet.title in row)


def test_my_requests_asks_to_log_in(client):
    response = client.get(reverse("my_requests"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The hall on a phone: the filters fold ---------------------------------------------------


def hall_html(client, community, query=""):
    response = client.get(hall_url(community) + query)
    assert response.status_code == 200
    return response.content.decode()


def filters_tag(html):
    return re.search(r'<details class="card filters"[^>]*>', html).group(0)


def test_the_hall_folds_its_filters_until_some_are_used(client, community, category, users_by_role):
    submit(community, users_by_role["resident"], category)
    html = hall_html(client, community)
    assert " open" not in filters_tag(html)
    assert html.index('id="hall-filters"') < html.index('class="request-row"')
    assert " open" not in filters_tag(hall_html(client, community, "?sort=newest&page=1"))
    used = hall_html(client, community, "?status=submitted&q=灯")
    assert " open" in filters_tag(used) and "2 filters in use" in used


# --- Ratings say what the stars mean ---------------------------------------------------------


@pytest.fixture
def resolved(community, category, users_by_role):
    created = submit(community, users_by_role["resident"], category)
    accepted = request_accept(request=created, by=users_by_role["worker"], party="community")
    return request_resolve(request=accepted, by=users_by_role["worker"])


MEANINGS = {
    5: ("Very satisfied", "非常满意"),
    4: ("Satisfied", "满意"),
    3: ("Neither satisfied nor dissatisfied", "一般"),
    2: ("Dissatisfied", "不满意"),
    1: ("Very dissatisfied", "非常不满意"),
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_rating_says_what_each_star_means_and_warns(client, settings, resolved, users_by_role, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(users_by_role["resident"])
    html = client.get(resolved.get_absolute_url()).content.decode()
    form = html.split('id="action-evaluate"')[1].split("</section>")[0]
    for stars, (en, zh) in MEANINGS.items():
        words = en if language == "en" else zh
        assert re.search(rf'value="{stars}"[^>]*>\s*{"★" * stars} {stars} {words}\s*</label>', form), (
            stars,
            words,
        )
    warning = "1 or 2 stars reopen the request" if language == "en" else "选 1 或 2 星，诉求会重新办理"
    assert warning in form


def test_what_the_warning_says_is_what_happens(client, resolved, users_by_role):
    client.force_login(users_by_role["resident"])
    url = request_url(resolved, "request_action", "evaluate")
    response = client.post(url, {"evaluate-rating": "2", "evaluate-comment": ""}, follow=True)
    assert response.status_code == 200
    resolved.refresh_from_db()
    assert resolved.status == Request.Status.ACCEPTED and resolved.reopen_count == 1


def test_a_given_rating_is_shown_with_its_meaning(client, resolved, users_by_role):
    from deliberation.services.requests import request_evaluate

    request_evaluate(request=resolved, by=users_by_role["resident"], rating=4)
    html = client.get(resolved.get_absolute_url()).content.decode()
    assert "4 / 5 · Satisfied" in html
