"""The site's URLs plus ``bench/bare/``: a view that does nothing, served by the same workers
and middleware as the pages, so a load test can tell the pages' cost from the server's."""

from django.http import HttpResponse
from django.urls import include, path

from cms.urls import handler403  # noqa: F401  (Django reads the handlers from the root URLconf)


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("", include("cms.urls")),
]
