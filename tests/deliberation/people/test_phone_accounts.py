"""Issue 12, must-show 1: sign-up and login with a mainland mobile number and the SMS code (read
from the locmem SMS backend, as the console backend prints it in `make run`); a walk-in recorded
by phone becomes the person's once they prove the number; wrong, expired and foreign input is
refused with a clear message. E-mail accounts keep working and can add a phone."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from deliberation import sms
from deliberation.models import Category, Channel, Request, User
from deliberation.services.requests import request_record_offline
from tests.factories import UserFactory, in_english

pytestmark = pytest.mark.django_db

PHONE = "+8613800138011"
PASSWORD = "x7-Long-password"


@pytest.fixture(autouse=True)
def client(client, django_capture_on_commit_callbacks):
    """The outbox sends after the commit: here each request's commit hooks run when it ends, as
    they would on a real commit, so the SMS is in the backend's outbox when the page answers."""
    sms.outbox.clear()
    post = client.post

    def post_and_commit(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(*args, **kwargs)

    client.post = post_and_commit
    yield client
    sms.outbox.clear()


def last_code(phone=PHONE) -> str:
    """The code the person received: the last verification SMS to that number."""
    messages = [m for m in sms.outbox if m.phone == phone and m.template == "verification_code"]
    assert messages, f"no verification code was sent to {phone}"
    code = messages[-1].params["code"]
    assert re.fullmatch(r"\d{6}", code)  # the registered template takes six digits
    return code


def sign_up(client, phone="138 0013 8011", **extra):
    return client.post(
        reverse("account_signup"),
        {"phone": phone, "password1": PASSWORD, "password2": PASSWORD, "display_name": "王阿姨", **extra},
    )


def test_sign_up_by_phone_then_the_sms_code_verifies_it(client):
    response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == reverse("account_verify_phone")
    user = User.objects.get(phone=PHONE)
    assert not user.phone_verified and user.email == ""  # e-mail is optional

    page = client.get(reverse("account_verify_phone"))
    assert page.status_code == 200
    done = client.post(reverse("account_verify_phone"), {"code": last_code()})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.phone_verified
    assert client.get(reverse("profile")).status_code == 200  # logged in


def test_wrong_code_is_refused_with_a_message_and_the_phone_stays_unproven(client):
    in_english(client)
    sign_up(client)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse("account_verify_phone"), {"code": wrong})
    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert not User.objects.get(phone=PHONE).phone_verified


def test_login_by_phone_and_sms_code(client):
    user = UserFactory(phone=PHONE, phone_verified=True)
    response = client.post(reverse("account_request_login_code"), {"phone": "138-0013-8011"})
    assert response.status_code == 302 and response["Location"] == reverse("account_confirm_login_code")
    confirmed = client.post(reverse("account_confirm_login_code"), {"code": last_code()})
    assert confirmed.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_by_phone_and_password(client):
    user = UserFactory(phone=PHONE, phone_verified=True, password=PASSWORD)
    response = client.post(reverse("account_login"), {"login": "13800138011", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_expired_login_code_is_refused(client):
    UserFactory(phone=PHONE, phone_verified=True)
    client.post(reverse("account_request_login_code"), {"phone": PHONE})
    code = last_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # allauth restarts the login: the code is no longer asked for
        assert response["Location"] != reverse("profile")


def test_an_unproven_number_logs_nobody_in(client):
    UserFactory(phone=PHONE, phone_verified=None, password=PASSWORD)  # typed on a profile, never proven
    client.post(reverse("account_request_login_code"), {"phone": PHONE})
    assert not [m for m in sms.outbox if m.template == "verification_code"]
    client.cookies.clear()
    response = client.post(reverse("account_login"), {"login": PHONE, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "phone, message",
    [
        ("notaphone", "is not a phone number"),
        ("-12345<script>", "is not a phone number"),
        ("0471 123 4567", "mainland mobile number"),  # a landline cannot receive the code
        ("+1 212 555 2368", "mainland mobile number"),
    ],
)
def test_sign_up_refuses_what_cannot_receive_a_code(client, phone, message):
    in_english(client)
    response = sign_up(client, phone=phone)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "<script>" not in response.content.decode().split("</head>")[-1].replace("&lt;script&gt;", "")
    assert not User.objects.filter(display_name="王阿姨").exists()
    assert not sms.outbox


def test_a_proven_number_belongs_to_one_account(client):
    """allauth prevents enumeration: the sign-up looks the same, but no second account holds the
    number proven, and the code it asks for never logs anyone into the first one."""
    holder = UserFactory(phone=PHONE, phone_verified=True)
    sign_up(client)
    assert list(User.objects.filter(phone=PHONE, phone_verified=True)) == [holder]
    assert not [m for m in sms.outbox if m.template == "verification_code"]
    assert client.session.get("_auth_user_id") != str(holder.pk)


def test_a_walk_in_recorded_by_phone_becomes_the_persons_after_sign_up(client, community, worker):
    category = Category.objects.first()
    recorded = request_record_offline(
        community=community,
        by=worker,
        channel=Channel.WALK_IN,
        title="楼道灯坏了",
        description="三号楼二单元楼道灯不亮",
        category=category,
        requester_name="王阿姨",
        requester_phone="138 0013 8011",
    )
    someone_elses = request_record_offline(
        community=community,
        by=worker,
        channel=Channel.PHONE,
        title="垃圾桶满了",
        description="东门垃圾桶",
        category=category,
        requester_name="李叔",
        requester_phone="139 0000 0000",
    )
    sign_up(client)
    recorded.refresh_from_db()
    assert recorded.requester is None  # not before the number is proven
    client.post(reverse("account_verify_phone"), {"code": last_code()})
    user = User.objects.get(phone=PHONE)
    recorded.refresh_from_db()
    someone_elses.refresh_from_db()
    assert recorded.requester == user and someone_elses.requester is None
    assert list(user.requests.values_list("title", flat=True)) == ["楼道灯坏了"]


def test_an_email_account_keeps_working_and_can_add_a_phone(client):
    user = UserFactory(email="old@example.cn", password=PASSWORD)
    assert (
        client.post(reverse("account_login"), {"login": "old@example.cn", "password": PASSWORD}).status_code
        == 302
    )
    response = client.post(reverse("account_change_phone"), {"phone": "13800138011"})
    assert response.status_code == 302
    client.post(reverse("account_verify_phone"), {"code": last_code()})
    user.refresh_from_db()
    assert (str(user.phone), user.phone_verified) == (PHONE, True)


def test_changing_the_phone_on_the_profile_unproves_it():
    from deliberation.services.accounts import profile_update

    user = UserFactory(phone=PHONE, phone_verified=True)
    profile_update(user=user, display_name="王", phone="13800138011", language="zh-hans")
    user.refresh_from_db()
    assert user.phone_verified  # the same number, written differently
    profile_update(user=user, display_name="王", phone="13900139000", language="zh-hans")
    user.refresh_from_db()
    assert user.phone_verified is None  # a contact number again, until a code proves it


def test_the_code_is_sent_at_once_even_in_the_quiet_hours(client, settings):
    settings.SMS_QUIET_HOURS = (22, 7)
    UserFactory(phone=PHONE, phone_verified=True)
    with time_machine.travel(timezone.now().replace(hour=15, minute=30)):  # 23:30 in Shanghai
        client.post(reverse("account_request_login_code"), {"phone": PHONE})
    assert last_code()
    assert Request.objects.count() == 0


def test_sign_up_needs_a_phone_or_an_email(client):
    in_english(client)
    response = client.post(
        reverse("account_signup"), {"password1": PASSWORD, "password2": PASSWORD, "display_name": "王阿姨"}
    )
    assert response.status_code == 200
    assert "Give your mobile number (or an e-mail address)." in response.content.decode()
    assert not User.objects.filter(display_name="王阿姨").exists()


def test_sign_up_by_email_alone_still_works(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "mail@example.cn", "password1": PASSWORD, "password2": PASSWORD, "display_name": "张"},
    )
    assert response.status_code == 302 and response["Location"] != reverse("account_verify_phone")
    assert User.objects.get(email="mail@example.cn").phone_verified is None
    assert not sms.outbox


def test_sign_up_with_phone_and_email_verifies_the_phone(client):
    response = sign_up(client, email="both@example.cn")
    assert response["Location"] == reverse("account_verify_phone")
    client.post(reverse("account_verify_phone"), {"code": last_code()})
    assert User.objects.get(email="both@example.cn").phone_verified is True


def test_an_email_account_with_a_contact_phone_logs_in_without_a_code(client):
    user = UserFactory(email="old@example.cn", password=PASSWORD, phone=PHONE)  # typed on the profile
    response = client.post(reverse("account_login"), {"login": "old@example.cn", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] != reverse("account_verify_phone")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert not sms.outbox


def test_a_demo_account_logs_in_by_phone_with_the_printed_code(seeded_demo, client):
    """The README's way: the resident's number, the code the SMS backend delivered, logged in."""
    resident = User.objects.get(email="resident@demo.cn")
    assert (str(resident.phone), resident.phone_verified) == ("+8613800138000", True)
    client.post(reverse("account_request_login_code"), {"phone": "138 0013 8000"})
    client.post(reverse("account_confirm_login_code"), {"code": last_code("+8613800138000")})
    assert client.session["_auth_user_id"] == str(resident.pk)


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Give your mobile number (or an e-mail address)."),
        ({"phone": "", "email": ""}, "Give your mobile number (or an e-mail address)."),
        ({"phone": "notaphone"}, "is not a phone number"),
        ({"phone": PHONE, "email": "a@example.cn"}, "only one"),
    ],
)
def test_asking_for_a_code_with_bad_input_gets_a_message(client, data, message):
    in_english(client)
    response = client.post(reverse("account_request_login_code"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not sms.outbox


def test_the_profile_says_whether_the_number_logs_in(client):
    in_english(client)
    user = UserFactory(phone=PHONE)
    client.force_login(user)
    page = client.get(reverse("profile")).content.decode()
    assert "Log in with my mobile number" in page and reverse("account_change_phone") in page
    User.objects.filter(pk=user.pk).update(phone_verified=True)
    assert "you can log in with it" in client.get(reverse("profile")).content.decode()
