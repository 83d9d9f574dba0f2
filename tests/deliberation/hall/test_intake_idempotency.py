"""Issue 9, item 18: one form render makes one request, however often or however fast it is posted."""

import re
import secrets
import threading

import pytest
import requests as http
from django.conf import settings
from django.db import connection
from django.test import Client

from deliberation.models import Request, RequestEvent, RequestPhoto
from deliberation.selectors import hall_url
from deliberation.services import requests as request_services
from tests.factories import make_member

from .images import upload


def token_of(page) -> str:
    found = re.search(r'name="intake_token" value="([0-9a-f-]{36})"', page.content.decode())
    assert found, "the form carries no intake token"
    return found.group(1)


@pytest.fixture
def submit_url(community):
    return hall_url(community, "request_new")


@pytest.fixture
def record_url(community):
    return hall_url(community, "request_record")


def form_data(category, token, **extra):
    return {
        "title": "电梯坏了",
        "description": "5号楼电梯三天没修好",
        "category": category.pk,
        "intake_token": token,
        **extra,
    }


@pytest.mark.django_db
def test_two_posts_of_one_render_make_one_request(client, resident, category, submit_url, worker):
    client.force_login(resident)
    token = token_of(client.get(submit_url))
    first = client.post(submit_url, form_data(category, token, photos=[upload("a.jpg")]))
    again = client.post(submit_url, form_data(category, token, photos=[upload("a.jpg")]), follow=True)
    request = Request.objects.get()
    assert first.status_code == 302 and first["Location"] == request.get_absolute_url()
    assert again.redirect_chain[-1][0] == request.get_absolute_url()
    assert (
        f"This request was already submitted (tracking number {request.tracking_number}); "
        "it was not submitted twice." in again.content.decode()
    )
    assert RequestPhoto.objects.count() == 1
    assert RequestEvent.objects.filter(request=request, kind="submitted").count() == 1


@pytest.mark.django_db
def test_two_renders_make_two_requests(client, resident, category, submit_url):
    client.force_login(resident)
    tokens = {token_of(client.get(submit_url)) for _ in range(2)}
    assert len(tokens) == 2
    for token in tokens:
        assert client.post(submit_url, form_data(category, token)).status_code == 302
    assert Request.objects.count() == 2


@pytest.mark.django_db
def test_a_form_error_keeps_the_token_and_the_corrected_post_creates_one(
    client, resident, category, submit_url
):
    client.force_login(resident)
    token = token_of(client.get(submit_url))
    refused = client.post(submit_url, form_data(category, token, title=""))
    assert refused.status_code == 400 and token_of(refused) == token
    assert client.post(submit_url, form_data(category, token)).status_code == 302
    assert client.post(submit_url, form_data(category, token)).status_code == 302
    assert Request.objects.count() == 1


@pytest.mark.django_db
def test_the_offline_record_form_is_idempotent_too(client, worker, category, record_url):
    client.force_login(worker)
    token = token_of(client.get(record_url))
    data = form_data(category, token, channel="phone", requester_name="王阿姨")
    assert client.post(record_url, data).status_code == 302
    again = client.post(record_url, data, follow=True)
    request = Request.objects.get()
    assert again.redirect_chain[-1][0] == request.get_absolute_url()
    assert "it was not submitted twice" in again.content.decode()
    token = token_of(client.get(record_url))
    assert client.post(record_url, {**data, "intake_token": token}).status_code == 302
    assert Request.objects.count() == 2


@pytest.mark.django_db
def test_someone_elses_token_creates_nothing_and_reveals_nothing(
    client, community, resident, category, submit_url
):
    client.force_login(resident)
    token = token_of(client.get(submit_url))
    assert client.post(submit_url, form_data(category, token)).status_code == 302
    other = Client()
    other.force_login(make_member(community))
    response = other.post(submit_url, form_data(category, token, title="别人的"))
    assert response.status_code == 403
    assert Request.objects.get().tracking_number not in response.content.decode()
    assert Request.objects.count() == 1


@pytest.mark.django_db
def test_posts_without_a_token_are_still_accepted(client, resident, category, submit_url):
    client.force_login(resident)
    data = form_data(category, "")
    assert client.post(submit_url, data).status_code == 302
    assert client.post(submit_url, data).status_code == 302
    assert Request.objects.count() == 2


@pytest.mark.django_db
def test_a_tampered_token_is_a_clear_form_error(client, resident, category, submit_url):
    client.force_login(resident)
    response = client.post(submit_url, form_data(category, "not-a-uuid"))
    assert response.status_code == 400
    assert (
        "This form is out of date. Please reload the page and fill it in again." in response.content.decode()
    )
    assert not Request.objects.exists()


@pytest.mark.django_db
def test_a_post_racing_past_the_check_is_decided_by_the_unique_column(
    client, resident, category, submit_url, monkeypatch
):
    """The second of two simultaneous posts misses the first in the check; its insert fails."""
    client.force_login(resident)
    token = token_of(client.get(submit_url))
    assert client.post(submit_url, form_data(category, token)).status_code == 302
    check = request_services._already_submitted
    calls = []

    def late(intake_token, submitter):
        calls.append(intake_token)
        if len(calls) > 1:  # the check after the failed insert
            check(intake_token, submitter)

    monkeypatch.setattr(request_services, "_already_submitted", late)
    response = client.post(submit_url, form_data(category, token), follow=True)
    assert len(calls) == 2
    assert response.redirect_chain[-1][0] == Request.objects.get().get_absolute_url()
    assert "it was not submitted twice" in response.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_posts_of_one_render_make_one_request(live_server, community, category):
    """Through a real server, on the suite's database (SQLite or PostgreSQL with DATABASE_URL)."""
    resident = make_member(community)
    client = Client()
    client.force_login(resident)
    url = hall_url(community, "request_new")
    token = token_of(client.get(url))
    csrf = secrets.token_hex(16)
    cookies = {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        "csrftoken": csrf,
    }
    posts = 4
    barrier = threading.Barrier(posts)
    results = []
    lock = threading.Lock()

    def post():
        with http.Session() as browser:
            barrier.wait()
            response = browser.post(
                live_server.url + url,
                data=form_data(category, token),
                cookies=cookies,
                headers={"X-CSRFToken": csrf, "Referer": live_server.url},
                allow_redirects=False,
                timeout=120,
            )
        with lock:
            results.append((response.status_code, response.headers.get("Location")))

    threads = [threading.Thread(target=post) for _ in range(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    request = Request.objects.get()
    assert results == [(302, request.get_absolute_url())] * posts, (connection.vendor, results)
