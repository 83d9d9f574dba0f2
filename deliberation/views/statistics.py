"""Statistics of request handling (公开): a community's and a street's, as a page, CSV or .xlsx."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from ..exports import XLSX
from ..selectors import hall_url
from ..services.statistics import community_statistics, statistics_csv, statistics_xlsx, street_statistics
from .common import community_from_url, street_from_url


def _statistics_response(
    request, *, scope, result, filename: str, fmt: str, back_url: str, street_url: str = ""
):
    if fmt == "csv":
        response = HttpResponse(statistics_csv(result), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(statistics_xlsx(result), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    return render(
        request,
        "deliberation/statistics.html",
        {
            "scope": scope,
            "stats": result,
            "back_url": back_url,
            "street_url": street_url,
            "is_street": bool(result.communities),
        },
    )


def community_statistics_view(request, community_id, fmt="html"):
    """Public: every resident may see how their community handles requests."""
    community = community_from_url(request, community_id)
    return _statistics_response(
        request,
        scope=community,
        result=community_statistics(community=community),
        filename=f"statistics-community-{community.pk}",
        fmt=fmt,
        back_url=hall_url(community, request=request),
        street_url=reverse("street_statistics", kwargs={"street_id": community.get_parent().pk})
        if fmt == "html"
        else "",
    )


def street_statistics_view(request, street_id, fmt="html"):
    street = street_from_url(street_id)
    return _statistics_response(
        request,
        scope=street,
        result=street_statistics(street=street),
        filename=f"statistics-street-{street.pk}",
        fmt=fmt,
        back_url=street.url,
    )
