"""Issue 12, must-show 2: WeChat login through allauth's Weixin provider, tested the way allauth
tests its providers — the provider's token and user-info answers mocked at ``requests`` — on a
desktop (QR, the website application) and inside WeChat's browser (the official account's
authorisation); and no WeChat button, nor login route, without keys."""

import json
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from deliberation.models import User

pytestmark = pytest.mark.django_db

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 14; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
    "Chrome/116.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560"
)
DESKTOP_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)


@pytest.fixture
def wechat_keys(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "weixin": {
            "APPS": [
                {"client_id": "wx-website", "secret": "s1", "settings": {"in_wechat": False}},
                {"client_id": "wx-official", "secret": "s2", "settings": {"in_wechat": True}},
            ]
        }
    }


def provider_answers(*, openid="oPENID-1", unionid="uNION-1", nickname="王阿姨"):
    """What api.weixin.qq.com answers: the token exchange, then the user's info."""
    calls = []

    def request(session, method, url, **kwargs):
        calls.append((method, url, kwargs))
        response = requests.Response()
        response.status_code = 200
        # As WeChat answers: JSON in UTF-8 labelled text/plain (allauth repairs the nickname).
        response.headers["Content-Type"] = "text/plain"
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)  # ISO-8859-1
        if url.endswith("/sns/oauth2/access_token"):
            body = {"access_token": "ACCESS", "expires_in": 7200, "refresh_token": "R", "openid": openid}
            if unionid:
                body["unionid"] = unionid
        elif url.endswith("/sns/userinfo"):
            body = {"openid": openid, "nickname": nickname, "headimgurl": "https://thirdwx.qlogo.cn/x/0"}
            if unionid:
                body["unionid"] = unionid
        else:
            raise AssertionError(f"unexpected call to {url}")
        response._content = json.dumps(body, ensure_ascii=False).encode()
        return response

    return mock.patch.object(requests.Session, "request", request), calls


def start(client, user_agent):
    """The button's form posts to the provider's login URL; allauth answers with WeChat's page."""
    response = client.post(reverse("weixin_login"), HTTP_USER_AGENT=user_agent)
    assert response.status_code == 302
    return response["Location"]


def finish(client, authorize_url, user_agent):
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    return client.get(
        reverse("weixin_callback"), {"code": "CODE", "state": state}, HTTP_USER_AGENT=user_agent
    )


def test_no_keys_no_button_and_no_route(client):
    page = client.get(reverse("account_login"), HTTP_USER_AGENT=WECHAT_UA)
    assert page.status_code == 200
    assert "weixin" not in page.content.decode().lower()
    assert client.post(reverse("weixin_login")).status_code == 404


def test_the_button_shows_with_keys(client, wechat_keys):
    page = client.get(reverse("account_login"), HTTP_USER_AGENT=DESKTOP_UA).content.decode()
    assert reverse("weixin_login") in page


def test_desktop_logs_in_by_qr_and_creates_the_account(client, wechat_keys):
    authorize = start(client, DESKTOP_UA)
    parts = urlsplit(authorize)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://open.weixin.qq.com/connect/qrconnect"
    assert query["appid"] == ["wx-website"] and query["scope"] == ["snsapi_login"] and not parts.fragment
    patch, calls = provider_answers()
    with patch:
        response = finish(client, authorize, DESKTOP_UA)
    assert response.status_code == 302
    account = SocialAccount.objects.get(provider="weixin")
    assert account.uid == "uNION-1"  # the unionid: the same person from the QR and from inside WeChat
    user = account.user
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.display_name == "王阿姨"
    token_call = next(kwargs for _m, url, kwargs in calls if url.endswith("access_token"))
    sent = token_call.get("params") or token_call.get("data")
    assert sent["appid"] == "wx-website" and sent["secret"] == "s1" and sent["code"] == "CODE"


def test_inside_wechat_uses_the_official_account_and_finds_the_same_person(client, wechat_keys):
    patch, _calls = provider_answers()
    with patch:
        finish(client, start(client, DESKTOP_UA), DESKTOP_UA)
    first = User.objects.get()
    client.logout()

    authorize = start(client, WECHAT_UA)
    parts = urlsplit(authorize)
    query = parse_qs(parts.query)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}"
        == "https://open.weixin.qq.com/connect/oauth2/authorize"
    )
    assert query["appid"] == ["wx-official"] and query["scope"] == ["snsapi_userinfo"]
    assert parts.fragment == "wechat_redirect"
    patch, calls = provider_answers(openid="oPENID-official")
    with patch:
        response = finish(client, authorize, WECHAT_UA)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(first.pk) and User.objects.count() == 1
    token_call = next(kwargs for _m, url, kwargs in calls if url.endswith("access_token"))
    assert (token_call.get("params") or token_call.get("data"))["appid"] == "wx-official"


def test_only_the_application_for_the_browser_is_offered(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "weixin": {"APPS": [{"client_id": "wx-website", "secret": "s1", "settings": {"in_wechat": False}}]}
    }
    assert (
        reverse("weixin_login")
        in client.get(reverse("account_login"), HTTP_USER_AGENT=DESKTOP_UA).content.decode()
    )
    inside = client.get(reverse("account_login"), HTTP_USER_AGENT=WECHAT_UA).content.decode()
    assert reverse("weixin_login") not in inside
    assert client.post(reverse("weixin_login"), HTTP_USER_AGENT=WECHAT_UA).status_code == 404


def test_a_refused_authorisation_or_a_forged_state_logs_nobody_in(client, wechat_keys):
    start(client, DESKTOP_UA)
    patch, _calls = provider_answers()
    with patch:
        forged = client.get(
            reverse("weixin_callback"), {"code": "CODE", "state": "forged"}, HTTP_USER_AGENT=DESKTOP_UA
        )
        refused = client.get(
            reverse("weixin_callback"), {"error": "access_denied"}, HTTP_USER_AGENT=DESKTOP_UA
        )
    for response in (forged, refused):
        assert response.status_code in (200, 302, 400, 401)  # allauth's "login failed" page, never a 5xx
    assert "_auth_user_id" not in client.session and not User.objects.exists()
