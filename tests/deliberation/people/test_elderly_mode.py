"""长辈模式: the header's switch, remembered on the account and in the browser's cookie."""

import re

import pytest
from django.urls import reverse

from cms.middleware import ELDERLY_COOKIE_NAME
from deliberation.services.accounts import profile_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SWITCH = "/elderly-mode/"


def html_class(client, path="/") -> bool:
    """Whether the page's <html> element has the ``elderly`` class."""
    body = client.get(path).content.decode()
    return re.search(r"<html [^>]*class=\"elderly\"", body) is not None


def test_the_header_has_the_switch_with_its_state_and_the_page_to_come_back_to(client):
    body = client.get("/?x=1").content.decode()
    assert f'action="{SWITCH}"' in body
    assert 'name="next" value="/?x=1"' in body
    assert 'name="on" value="1"' in body and 'aria-pressed="false"' in body
    assert ">长辈模式<" in body


def test_an_anonymous_visitor_turns_it_on_and_off_with_a_cookie(client):
    assert not html_class(client)
    response = client.post(SWITCH, {"on": "1", "next": "/profile/?tab=1"})
    assert response.status_code == 302 and response["Location"] == "/profile/?tab=1"
    assert response.cookies[ELDERLY_COOKIE_NAME].value == "1"
    assert html_class(client)
    body = client.get("/").content.decode()
    assert 'name="on" value="0"' in body and 'aria-pressed="true"' in body
    response = client.post(SWITCH, {"on": "0", "next": "/"})
    assert response.cookies[ELDERLY_COOKIE_NAME].value == "0"
    assert not html_class(client)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_way_back_stays_on_this_site(client, target):
    response = client.post(SWITCH, {"on": "1", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_switch_needs_a_post_with_a_csrf_token():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.get(SWITCH).status_code == 405
    assert strict.post(SWITCH, {"on": "1"}).status_code == 403


def test_a_garbled_switch_says_so_and_changes_nothing(client):
    response = client.post(SWITCH, {"on": "maybe", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert "没有收到长辈模式是开还是关" in response.content.decode()  # the default language
    assert not html_class(client)


def test_a_signed_in_person_keeps_the_choice_on_the_account_and_the_cookie_follows_it(client):
    user = UserFactory()
    client.force_login(user)
    client.post(SWITCH, {"on": "1", "next": "/"})
    user.refresh_from_db()
    assert user.elderly_mode is True
    # Another browser: its cookie says off, the account wins and the cookie follows it.
    from django.test import Client

    other = Client()
    other.cookies["django_language"] = "en"
    other.cookies[ELDERLY_COOKIE_NAME] = "0"
    other.force_login(user)
    response = other.get("/")
    assert 'class="elderly"' in response.content.decode()
    assert response.cookies[ELDERLY_COOKIE_NAME].value == "1"
    # Once they agree the cookie is not written again on every page.
    assert ELDERLY_COOKIE_NAME not in other.get("/").cookies


def test_the_account_choice_wins_over_a_browser_that_had_it_on(client):
    user = UserFactory()
    client.cookies[ELDERLY_COOKIE_NAME] = "1"
    assert html_class(client)
    client.force_login(user)  # the account says off
    response = client.get("/")
    assert 'class="elderly"' not in response.content.decode()
    assert response.cookies[ELDERLY_COOKIE_NAME].value == "0"


def test_the_profile_form_turns_it_on_for_the_account(client):
    user = UserFactory(display_name="王奶奶")
    client.force_login(user)
    body = client.get(reverse("profile")).content.decode()
    assert 'name="elderly_mode"' in body
    response = client.post(
        reverse("profile"),
        {"display_name": "王奶奶", "phone": "", "language": "en", "notify_email": "on", "elderly_mode": "on"},
    )
    assert response.status_code == 302
    assert response.cookies[ELDERLY_COOKIE_NAME].value == "1"
    user.refresh_from_db()
    assert user.elderly_mode is True
    assert html_class(client, reverse("profile"))


def test_profile_update_leaves_the_mode_alone_unless_given():
    user = UserFactory(elderly_mode=True)
    profile_update(user=user, display_name="张三", phone="", language="zh-hans")
    user.refresh_from_db()
    assert user.elderly_mode is True
    profile_update(user=user, display_name="张三", phone="", language="zh-hans", elderly_mode=False)
    user.refresh_from_db()
    assert user.elderly_mode is False


def test_the_switch_speaks_chinese_by_default():
    from django.test import Client

    body = Client().get("/").content.decode()
    assert "长辈模式" in body


def test_the_main_actions_come_first_in_the_mode_only(client, community):
    from deliberation.models import Role
    from deliberation.selectors import hall_url
    from meetings.selectors import meetings_url
    from tests.factories import make_member

    resident = make_member(community, role=Role.RESIDENT)
    client.force_login(resident)
    assert "elderly-actions" not in client.get("/").content.decode()
    client.post(SWITCH, {"on": "1", "next": "/"})
    for path in ("/", hall_url(community)):
        body = client.get(path).content.decode()
        block = body[body.index('class="elderly-actions"') :]
        block = block[: block.index("</nav>")]
        assert body.index('class="elderly-actions"') < body.index("</h1>") + 200  # right after the title
        for href, words in [
            (hall_url(community, "request_new"), "反映问题（提交诉求）"),
            (hall_url(community) + "?sort=supported#requests", "支持邻居的诉求"),
            (reverse("my_requests"), "查看我的诉求"),
            (meetings_url(community), "观看会议"),
        ]:
            assert f'href="{href}">{words}</a>' in block, (path, words)
