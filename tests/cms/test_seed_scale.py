"""Issue 14: ``seed_scale`` builds a consistent city (small here; the full size is for the benches)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, OuterRef, Subquery
from vote.models import Vote

from cms.models import CommunityPage, StreetOfficePage
from deliberation.models import Household, Membership, Request, RequestEvent
from deliberation.selectors import hall_url
from deliberation.services.statistics import street_statistics
from meetings.models import Meeting, Resolution
from meetings.services.minutes import minutes_verify

pytestmark = pytest.mark.django_db


def seed(**counts):
    out, err = StringIO(), StringIO()
    call_command("seed_scale", stdout=out, stderr=err, **counts)
    return out.getvalue(), err.getvalue()


def test_a_small_city_is_consistent(client):
    out, err = seed(streets=2, communities=4, households=120, requests=400, meetings=8, years=2)
    assert "seed_scale:" in out and "database size" in out
    assert "requests: 100%" in err  # the progress bar
    assert StreetOfficePage.objects.filter(slug__startswith="scale-street-").count() == 2
    communities = CommunityPage.objects.filter(slug__startswith="scale-community-")
    assert communities.count() == 4
    assert Household.objects.filter(building__community__in=communities).count() == 120
    requests = Request.objects.filter(community__in=communities)
    assert requests.count() == 400
    assert Meeting.objects.filter(community__in=communities).count() == 8

    # Every support counted once, never the requester's own; every request has its timeline.
    votes = Vote.objects.filter(object_id__in=requests.values("pk"))
    per_request = dict(votes.values_list("object_id").annotate(n=Count("pk")))
    assert votes.exists()
    assert all(per_request.get(r.pk, 0) == r.num_vote_up for r in requests)
    own = Request.objects.filter(pk=OuterRef("object_id")).values("requester_id")
    assert not votes.filter(user_id=Subquery(own)).exists()
    assert all(r.tracking_number.endswith(f"-{r.pk:06d}") for r in requests)
    assert RequestEvent.objects.filter(request__in=requests, kind="submitted").count() == 400
    assert not requests.filter(status="evaluated", rating__isnull=True).exists()
    assert not requests.filter(accepted_at__isnull=False, accepted_at__lt=F("created_at")).exists()
    # Every resident member is verified and lives in a household of their own community.
    assert not Membership.objects.filter(
        community__in=communities, role="resident", household__isnull=True
    ).exists()

    # The minutes are sealed and verify; a passed motion has its resolution.
    meeting = Meeting.objects.filter(community__in=communities).first()
    assert minutes_verify(meeting=meeting).ok
    assert Resolution.objects.filter(
        meeting__in=Meeting.objects.filter(community__in=communities)
    ).count() == (Meeting.objects.filter(community__in=communities, motions__passed=True).count())

    # The pages read it as they read real rows.
    community = communities.first()
    assert client.get(hall_url(community)).status_code == 200
    assert client.get(hall_url(community), {"q": "漏水"}).status_code == 200
    street = StreetOfficePage.objects.filter(slug__startswith="scale-street-").first()
    assert street_statistics(street=street).summary.total > 0

    # A second city on the same database is refused (its slugs would clash).
    with pytest.raises(CommandError, match="already"):
        seed(streets=1, communities=1, households=10, requests=10, meetings=0)


@pytest.mark.parametrize(
    "counts, message",
    [
        ({"scale": 0}, "--scale"),
        ({"scale": 11}, "--scale"),
        ({"requests": -1}, "negative"),
        ({"streets": 3, "communities": 2}, "per street office"),
    ],
)
def test_bad_sizes_are_refused_with_a_message(counts, message):
    with pytest.raises(CommandError, match=message):
        seed(**counts)
    assert not CommunityPage.objects.filter(slug__startswith="scale-community-").exists()
