"""A NUL character in the address's parameters never reaches the database (PostgreSQL refuses
any text holding one): every page that reads a parameter answers as if it were not there."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from cms.middleware import QueryNulMiddleware
from deliberation.models import Role
from deliberation.selectors import hall_url
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_the_middleware_drops_nul_from_keys_and_values_and_keeps_the_rest():
    seen = {}

    def view(request):
        seen["GET"] = request.GET
        return None

    QueryNulMiddleware(view)(
        RequestFactory().get("/", {"q": "漏\x00水", "a\x00b": ["1", "2\x00"], "page": "2"})
    )
    assert (
        seen["GET"]["q"] == "漏水" and seen["GET"].getlist("ab") == ["1", "2"] and seen["GET"]["page"] == "2"
    )
    with pytest.raises(AttributeError):
        seen["GET"]["q"] = "changed"  # still immutable, as Django's own
    plain = RequestFactory().get("/", {"q": "漏水"})
    QueryNulMiddleware(view)(plain)
    assert seen["GET"] is plain.GET  # nothing to clean: left alone


def test_pages_that_search_answer_a_nul_as_if_it_were_not_there(client, community):
    for url, params in [
        ("/", {"community": "\x00", "page": "\x00"}),
        ("/", {"community": "社\x00区"}),
        (hall_url(community), {"q": "\x00", "status": "\x00", "sort": "\x00"}),
    ]:
        assert client.get(url, params).status_code == 200
    client.force_login(make_member(community, role=Role.WORKER))
    members = reverse("members", kwargs={"community_id": community.pk})
    assert client.get(members, {"q": "3号楼\x00", "membership": "\x00"}).status_code == 200
