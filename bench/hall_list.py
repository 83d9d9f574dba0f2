"""How much the hall page costs beyond a bare Django ListView, on 10,000 requests.

Run: ``.venv/bin/python bench/hall_list.py``. It builds its own SQLite database in a temporary
directory (migrations, one community, 10,000 requests), renders the first page of the hall and
a bare ``ListView`` over the same rows, and prints both medians; the last line is ``ratio=<x>``.
"""

import statistics
import time

from on_sqlite import django_on_temporary_sqlite  # bench/, the folder of the script

django_on_temporary_sqlite("hall-bench-")

import datetime  # noqa: E402

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.views.generic import ListView  # noqa: E402

from cms.models import CommunityPage, HomePage, StreetOfficePage  # noqa: E402
from deliberation.models import Category, Request, User  # noqa: E402
from deliberation.views.hall import PAGE_SIZE, hall  # noqa: E402

ROWS = 10_000
RUNS = 60

ROW_TEMPLATE = engines["django"].from_string(
    """<ul>{% for r in page_obj %}<li><a href="/requests/{{ r.tracking_number }}/">{{ r.title }}</a>
{{ r.tracking_number }} {{ r.category.name }} {{ r.get_status_display }} {{ r.num_vote_up }}
{{ r.created_at|timesince }}</li>{% endfor %}</ul>"""
)


class BareList(ListView):
    """The floor: the same rows and page size, no filters, permissions or site layout."""

    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return (
            Request.objects.filter(community_id=self.kwargs["community_id"])
            .select_related("category")
            .order_by("-created_at", "-id")
        )

    def render_to_response(self, context, **kwargs):
        from django.http import HttpResponse

        return HttpResponse(ROW_TEMPLATE.render(context))


def build():
    call_command("migrate", verbosity=0)
    home = HomePage.objects.get(depth=2)
    street = StreetOfficePage(title="大学西路街道", slug="street")
    home.add_child(instance=street)
    community = CommunityPage(title="幸福社区", slug="xingfu", support_threshold=10)
    street.add_child(instance=community)
    user = User.objects.create_user(email="bench@example.org", password="x")
    categories = list(Category.objects.all())
    statuses = [s for s, _ in Request.Status.choices]
    now = timezone.now()
    Request.objects.bulk_create(
        [
            Request(
                community=community,
                category=categories[i % len(categories)],
                requester=user,
                title=f"诉求 {i}：楼道灯不亮",
                description="描述" * 20,
                status=statuses[i % len(statuses)],
                num_vote_up=i % 17,
                tracking_number=f"SQ-2026-{i + 1:06d}",
                created_at=now - datetime.timedelta(minutes=i),
            )
            for i in range(ROWS)
        ],
        batch_size=1000,
    )
    return community


def medians_ms(*calls) -> list[float]:
    """Run the calls in turn, many times, so a busy machine slows each of them alike."""
    for call in calls:
        call()  # warm up
    times = [[] for _ in calls]
    for _ in range(RUNS):
        for call, bucket in zip(calls, times, strict=True):
            start = time.perf_counter()
            response = call()
            bucket.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
    return [statistics.median(bucket) for bucket in times]


def main():
    community = build()
    factory = RequestFactory()

    def get(path):
        request = factory.get(path)
        request.user = AnonymousUser()
        return request

    path = f"/communities/{community.pk}/hall/"
    bare_view = BareList.as_view()
    hall_ms, bare_ms = medians_ms(
        lambda: hall(get(path), community_id=community.pk),
        lambda: bare_view(get(path), community_id=community.pk),
    )
    print(f"requests in the community: {Request.objects.count()}")
    print(f"hall page (first {PAGE_SIZE} of {ROWS}, full layout): median {hall_ms:.2f} ms")
    print(f"bare ListView, same rows: median {bare_ms:.2f} ms")
    print(f"ratio={hall_ms / bare_ms:.2f}")


if __name__ == "__main__":
    main()
