"""50 residents press 附议 at the same moment, through a real server: exactly 50 are counted.

Runs against whichever database the suite uses: SQLite (a file, IMMEDIATE transactions) by
default, PostgreSQL with DATABASE_URL. Each resident has their own session and connection.
"""

import secrets
import threading

import pytest
import requests as http
from django.conf import settings
from django.db import connection
from django.test import Client
from vote.models import Vote

from deliberation.models import Request, RequestEvent
from deliberation.selectors import request_url
from tests.factories import make_member

SUPPORTERS = 50


def session_cookies(user) -> dict:
    client = Client()
    client.force_login(user)
    token = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and header
    return {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        "csrftoken": token,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_simultaneous_supports_are_all_counted(live_server, community, submit):
    request = submit()
    residents = [make_member(community) for _ in range(SUPPORTERS)]
    sessions = [session_cookies(user) for user in residents]
    url = live_server.url + request_url(request, "request_support", "support")
    barrier = threading.Barrier(SUPPORTERS)
    statuses = []
    lock = threading.Lock()

    def press(cookies):
        with http.Session() as browser:
            barrier.wait()
            response = browser.post(
                url,
                cookies=cookies,
                headers={"X-CSRFToken": cookies["csrftoken"], "Referer": live_server.url},
                allow_redirects=False,
                timeout=120,
            )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=press, args=(cookies,)) for cookies in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * SUPPORTERS, (connection.vendor, statuses)
    request.refresh_from_db()
    assert request.num_vote_up == SUPPORTERS
    assert Vote.objects.filter(object_id=request.pk).count() == SUPPORTERS
    assert set(Vote.objects.filter(object_id=request.pk).values_list("user_id", flat=True)) == {
        user.pk for user in residents
    }
    # The threshold (3) was crossed once, whatever the interleaving.
    assert RequestEvent.objects.filter(request=request, kind="proposed").count() == 1
    assert Request.objects.get(pk=request.pk).proposed_at is not None
