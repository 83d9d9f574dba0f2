"""The hall list: filters, search, sort, pagination, and a query count independent of size."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deliberation.models import Request
from deliberation.selectors import hall_url

pytestmark = pytest.mark.django_db


def bulk(community, category, requester, n, start=0, **fields):
    now = timezone.now()
    rows = [
        Request(
            community=community,
            category=category,
            requester=requester,
            title=f"诉求{start + i}",
            description="描述",
            tracking_number=f"SQ-2026-{900000 + start + i:06d}",
            created_at=now - datetime.timedelta(minutes=start + i),
            **fields,
        )
        for i in range(n)
    ]
    Request.objects.bulk_create(rows, batch_size=500)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["anonymous", "resident", "worker"])
def test_same_number_of_queries_for_20_and_2000(client, community, categories, users_by_role, who):
    if users_by_role[who]:
        client.force_login(users_by_role[who])
    category = categories["设施维修"]
    requester = users_by_role["resident"]
    hall = hall_url(community)
    urls = [
        hall,
        f"{hall}?status=submitted&sort=supported",
        f"{hall}?category={category.pk}&sort=due&page=2",
        f"{hall}?flag=overdue&q=诉求",
    ]
    bulk(community, category, requester, 20)
    for url in urls:  # warm per-process caches (the Wagtail site root, content types) before counting
        client.get(url)
    small = [count_queries(client, url) for url in urls]
    bulk(community, category, requester, 1980, start=20)
    assert Request.objects.count() == 2000
    large = [count_queries(client, url) for url in urls]
    assert small == large


def test_filters_search_sort_and_pages(
    client, community, categories, users_by_role, submit, django_capture_on_commit_callbacks
):
    repair, other = categories["设施维修"], categories["其他"]
    resident = users_by_role["resident"]
    bulk(community, repair, resident, 25)
    lift = submit(title="电梯又坏了", description="5号楼电梯停运", category=other)
    Request.objects.filter(pk=lift.pk).update(
        num_vote_up=7, status=Request.Status.ACCEPTED, due_date="2026-01-01"
    )
    hall = hall_url(community)

    page = client.get(hall)
    assert page.context["page_obj"].paginator.count == 26 and len(page.context["page_obj"]) == 20
    assert len(client.get(f"{hall}?page=2").context["page_obj"]) == 6
    assert 'href="?page=2"' in page.content.decode()
    assert list(client.get(f"{hall}?category={other.pk}").context["page_obj"]) == [lift]
    assert list(client.get(f"{hall}?status=accepted").context["page_obj"]) == [lift]
    assert list(client.get(f"{hall}?q=电梯").context["page_obj"]) == [lift]
    assert list(client.get(f"{hall}?q=停运").context["page_obj"]) == [lift]  # inside the description
    with django_capture_on_commit_callbacks(execute=True):  # indexed once the request is committed
        intercom = submit(title="门禁", description="the intercom at gate 2 is broken", category=other)
    assert list(client.get(f"{hall}?q=broken+intercom").context["page_obj"]) == [intercom]  # Wagtail search
    assert list(client.get(f"{hall}?q={lift.tracking_number}").context["page_obj"]) == [lift]
    assert client.get(f"{hall}?sort=supported").context["page_obj"][0] == lift
    assert list(client.get(f"{hall}?flag=overdue").context["page_obj"]) == [lift]
    assert list(client.get(f"{hall}?flag=escalated").context["page_obj"]) == []
    assert client.get(f"{hall}?sort=due").context["page_obj"][0] == lift
    text = client.get(f"{hall}?q=电梯").content.decode()
    assert lift.tracking_number in text and "7 supports" in text


def test_other_communities_requests_are_not_listed(
    client, community, other_community, categories, users_by_role
):
    bulk(other_community, categories["其他"], users_by_role["resident"], 3)
    page = client.get(hall_url(community))
    assert page.context["page_obj"].paginator.count == 0


def test_request_page_queries_do_not_grow_with_its_history(client, accepted_request_factory):
    request, add_history = accepted_request_factory
    client.get(request.get_absolute_url())
    with CaptureQueriesContext(connection) as small:
        assert client.get(request.get_absolute_url()).status_code == 200
    add_history(8)
    with CaptureQueriesContext(connection) as large:
        assert client.get(request.get_absolute_url()).status_code == 200
    assert len(small) == len(large)


@pytest.fixture
def accepted_request_factory(submit, worker, property_staff):
    from deliberation.services.requests import request_accept, request_respond

    from .images import upload

    request = request_accept(request=submit(), by=worker)

    def add_history(n):
        for i in range(n):
            request_respond(request=request, by=property_staff, body=f"进展{i}", photos=[upload()])

    add_history(1)
    return request, add_history
