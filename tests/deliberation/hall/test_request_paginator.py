"""Issue 14: a page of a request list costs the same however many requests match — the matches
are sorted and cut on the requests' own columns, and only the page's rows are read with their
joins — and it shows exactly what Django's own paginator shows."""

import pytest
from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliberation.models import Request
from deliberation.selectors import SORTS, RequestPaginator, own_requests, request_list

pytestmark = pytest.mark.django_db


def fill(community, category, requester, n, start=0):
    Request.objects.bulk_create(
        Request(
            community=community,
            category=category,
            requester=requester,
            title=f"楼道漏水{i}" if i % 3 else f"电梯{i}",
            description="三号楼漏水" if i % 2 else "详情见标题",
            tracking_number=f"SQ-2026-{700000 + i:06d}",
            num_vote_up=i % 4,
            search_grams="",
        )
        for i in range(start, start + n)
    )
    for request in Request.objects.filter(search_grams=""):
        request.save()  # its search terms, as every save keeps them


def pages_of(paginator_class, queryset, per_page=7, orphans=0):
    paginator = paginator_class(queryset, per_page, orphans=orphans)
    return [[r.pk for r in paginator.page(n)] for n in paginator.page_range]


@pytest.mark.parametrize("orphans", [0, 3])
def test_every_page_is_the_one_django_would_show(community, categories, users_by_role, orphans):
    resident = users_by_role["resident"]
    fill(community, categories["设施维修"], resident, 30)
    lists = [request_list(community=community, sort=sort) for sort in SORTS]
    lists += [
        request_list(community=community, q="漏水"),
        request_list(community=community, q="漏水", sort="supported"),
    ]
    lists.append(own_requests(user=resident))
    for queryset in lists:
        ours = pages_of(RequestPaginator, queryset, orphans=orphans)
        assert ours == pages_of(Paginator, queryset, orphans=orphans)
        assert sum(len(page) for page in ours) == queryset.count()
    for asked in ["abc", None, "1.5", "0", "-3", "99", 5, "5", 2.0]:  # as Django's, whatever is asked
        ours, django = RequestPaginator(lists[0], 7, orphans=orphans), Paginator(lists[0], 7, orphans=orphans)
        page, expected = ours.get_page(asked), django.get_page(asked)
        assert (page.number, [r.pk for r in page], ours.count, ours.num_pages) == (
            expected.number,
            [r.pk for r in expected],
            django.count,
            django.num_pages,
        ), asked
    with pytest.raises(EmptyPage):
        RequestPaginator(lists[0], 7).page(99)
    nothing = request_list(community=community, q="没有这样的诉求")
    for asked in [1, 2, "x"]:
        empty = RequestPaginator(nothing, 7).get_page(asked)
        assert empty.number == 1 and list(empty) == [] and empty.paginator.count == 0
    row = RequestPaginator(lists[0], 7).page(1)[0]
    with CaptureQueriesContext(connection) as captured:
        shown = (row.requester.pk, row.category.name, row.community.title)  # read with the page
    assert len(captured) == 0 and all(shown)


def test_a_page_costs_the_same_queries_for_ten_matches_and_for_many(community, categories, users_by_role):
    resident = users_by_role["resident"]

    def cost():
        queryset = request_list(community=community, q="漏水")
        with CaptureQueriesContext(connection) as captured:
            page = RequestPaginator(queryset, 5).get_page(2)
            [(r.requester, r.category, r.community) for r in page]
            count = page.paginator.count
        return len(captured), len(page), count > 10

    fill(community, categories["设施维修"], resident, 15)
    few = cost()
    fill(community, categories["设施维修"], resident, 60, start=15)
    assert cost() == few == (3, 5, True)  # the count, the page's ids, its rows


@pytest.mark.parametrize("who", ["anonymous", "resident", "worker"])
def test_hostile_page_numbers_get_a_page_never_an_error(client, community, categories, users_by_role, who):
    from django.urls import reverse

    from deliberation.selectors import hall_url

    resident = users_by_role["resident"]
    fill(community, categories["设施维修"], resident, 25)
    if users_by_role[who]:
        client.force_login(users_by_role[who])
    street = community.get_parent().specific
    urls = [hall_url(community), reverse("street_requests", args=[street.pk])]
    if who != "anonymous":
        urls.append(reverse("my_requests"))
    hostile = ["99999999999999999999999", "-1", "0", "1.5", "abc", "1\r\n2", "9" * 20000, "２", "\x00"]
    for url in urls:
        for page in hostile:
            for q in ("", "漏水"):
                response = client.get(url, {"page": page, "q": q})
                assert response.status_code == 200, (url, page[:30], q)
                assert response.context["page_obj"].number in (1, 2)
