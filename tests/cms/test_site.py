import pytest
from django.core.management import call_command

from tests.factories import make_community, make_street

pytestmark = pytest.mark.django_db


def test_home_page_speaks_chinese_by_default(client):
    street = make_street(title="大学西路街道")
    make_community(street=street, title="幸福社区")
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-Hans"' in body
    assert "社区议事厅" in body and "幸福社区" in body
    assert "登录" in body


def test_language_switch_sets_cookie_and_english_follows(client):
    response = client.post("/language/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    body = client.get("/").content.decode()
    assert 'lang="en"' in body and "Log in" in body
    client.post("/language/", {"language": "zh-hans", "next": "/"})
    assert "登录" in client.get("/").content.decode()


def test_language_switch_ignores_unknown_language_and_foreign_redirects(client):
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert "django_language" not in response.cookies


def test_language_choice_is_saved_on_the_account(client, resident):
    client.force_login(resident)
    client.post("/language/", {"language": "en", "next": "/"})
    resident.refresh_from_db()
    assert resident.language == "en"


def test_wagtail_admin_opens(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="admin@example.org", password="x-pass-123")
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


def test_community_page_shows_name_area_and_company(client, community):
    body = client.get(community.url).content.decode()
    assert community.title in body and "赛罕区" in body and "宜居物业" in body


def test_system_checks_pass():
    call_command("check")


@pytest.mark.parametrize(
    "url", ["/admin/snippets/deliberation/propertycompany/", "/admin/snippets/deliberation/building/"]
)
def test_admin_manages_companies_and_buildings(client, django_user_model, community, url):
    admin = django_user_model.objects.create_superuser(email="admin2@example.org", password="x-pass-123")
    client.force_login(admin)
    assert client.get(url).status_code == 200


def test_production_settings_refuse_an_insecure_secret_key(monkeypatch):
    import importlib
    import sys

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("ALLOWED_HOSTS", "deliberation.example.org")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    saved = {name: sys.modules.pop(name, None) for name in ("cms.settings.base", "cms.settings.production")}
    try:
        with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
            importlib.import_module("cms.settings.production")
        monkeypatch.setenv("SECRET_KEY", "x" * 64)
        monkeypatch.setenv("ALLOWED_HOSTS", "localhost")
        sys.modules.pop("cms.settings.base", None)
        sys.modules.pop("cms.settings.production", None)
        with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
            importlib.import_module("cms.settings.production")
    finally:
        for name, module in saved.items():
            if module is not None:
                sys.modules[name] = module
