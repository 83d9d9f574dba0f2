"""A person's own account goes through ``deliberation.services.accounts`` (and the feed token
through ``meetings.services.feeds``): sign-up, profile, language."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from deliberation.models import User
from deliberation.services import ServiceError
from deliberation.services.accounts import account_fill_signup, profile_update, user_set_language
from meetings.services.feeds import feed_token_regenerate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_sign_up_writes_the_name_once_with_the_new_account(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/accounts/signup/",
            {
                "phone": "138 0013 8007",
                "email": "new@example.cn",
                "password1": "x7-Long-password",
                "password2": "x7-Long-password",
                "display_name": " 张新 ",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.cn")
    assert user.display_name == "张新"
    table = User._meta.db_table
    writes = [
        q["sql"]
        for q in queries
        if table in q["sql"] and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert len([sql for sql in writes if "display_name" in sql]) == 1 and writes[0].upper().startswith(
        "INSERT"
    )


def test_fill_signup_keeps_the_default_language_for_an_unknown_one():
    user = account_fill_signup(User(), display_name="李四", language="xx")
    assert user.display_name == "李四" and user.language == User._meta.get_field("language").default
    assert account_fill_signup(User(), display_name="李四", language="en").language == "en"


def test_profile_update_saves_name_phone_and_language():
    user = UserFactory()
    profile_update(user=user, display_name=" 王五 ", phone=" 13800000000 ", language="en")
    user.refresh_from_db()
    assert (user.display_name, user.phone, user.language) == ("王五", "13800000000", "en")
    with translation.override("en"):
        with pytest.raises(ServiceError, match="name") as error:
            profile_update(user=user, display_name="  ", phone="", language="en")
        assert error.value.field == "display_name"
        with pytest.raises(ServiceError, match="language"):
            profile_update(user=user, display_name="王五", phone="", language="xx")


def test_the_profile_page_saves_through_the_service(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("profile"), {"display_name": "赵六", "phone": "", "language": "en"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.language) == ("赵六", "en")


def test_set_language_changes_only_a_supported_different_language():
    user = UserFactory(language="zh-hans")
    assert not user_set_language(user=user, language="xx")
    assert not user_set_language(user=user, language="zh-hans")
    assert user_set_language(user=user, language="en")
    user.refresh_from_db()
    assert user.language == "en"


def test_a_new_feed_token_retires_the_old_one():
    user = UserFactory()
    old = user.feed_token
    new = feed_token_regenerate(user=user)
    user.refresh_from_db()
    assert user.feed_token == new != old
