"""Sign up, ask to join a community, get verified — all through HTTP as a person would."""

import pytest
from django.core import mail

from deliberation.models import Membership, Notification, Role, RoleEvent, User
from tests.factories import BuildingFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(community):
    building = BuildingFactory(community=community, name="3号楼")
    return HouseholdFactory(building=building, unit="2单元", room="502")


def test_resident_signs_up_joins_and_is_verified(
    client, community, worker, household, django_capture_on_commit_callbacks
):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "display_name": "新居民",
            "password1": "a-Long-pass-2026",
            "password2": "a-Long-pass-2026",
        },
    )
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(email="new@example.org")
    assert user.display_name == "新居民"
    assert user.language == "zh-hans"

    join_url = f"/communities/{community.pk}/join/"
    assert client.get(join_url).status_code == 200
    response = client.post(join_url, {"building": "3号楼", "unit": "2单元", "room": "502", "tenure": "owner"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=user, community=community)
    assert membership.status == Membership.Status.PENDING
    assert membership.household == household
    assert Notification.objects.filter(user=worker, url__contains="/members/").exists()

    client.force_login(worker)
    page = client.get(f"/communities/{community.pk}/members/").content.decode()
    assert "新居民" in page and "3号楼-2单元-502" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/communities/{community.pk}/members/{membership.pk}/approve/", {"household": ""}
        )
    assert response.status_code == 302

    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED
    assert membership.decided_by == worker and membership.decided_at is not None
    assert RoleEvent.objects.filter(user=user, kind=RoleEvent.Kind.APPROVED, by=worker).exists()
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    assert "幸福社区" in mail.outbox[0].subject

    client.force_login(user)
    profile = client.get("/profile/").content.decode()
    assert "居民" in profile and "幸福社区" in profile and "已验证" in profile
    assert user.notifications.filter(read_at__isnull=True).count() == 1


def test_rejection_needs_a_reason_and_is_explained(client, community, worker, household):
    user = User.objects.create_user(email="a@example.org", password="x-pass-12345")
    client.force_login(user)
    client.post(
        f"/communities/{community.pk}/join/",
        {"building": "3号楼", "unit": "2单元", "room": "999", "tenure": "tenant"},
    )
    membership = Membership.objects.get(user=user)
    assert membership.household is None

    client.force_login(worker)
    url = f"/communities/{community.pk}/members/{membership.pk}/reject/"
    response = client.post(url, {"reason": "  "}, follow=True)
    assert "请填写理由" in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING

    # A claimed room that is not on the roster cannot be approved without picking one.
    response = client.post(f"/communities/{community.pk}/members/{membership.pk}/approve/", {}, follow=True)
    assert "不在住户名册" in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING

    client.post(url, {"reason": "房号不存在"})
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REJECTED and membership.decision_note == "房号不存在"

    client.force_login(user)
    assert "房号不存在" in client.get("/profile/").content.decode()
    # After a rejection the person may ask again with the right room.
    response = client.post(
        f"/communities/{community.pk}/join/",
        {"building": "3号楼", "unit": "2单元", "room": "502", "tenure": "owner"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING and membership.household == household


def test_asking_twice_is_refused_with_a_message(client, community, resident):
    client.force_login(resident)
    response = client.get(f"/communities/{community.pk}/join/")
    assert response.status_code == 403
    assert "已经申请" in response.content.decode()


def test_anonymous_join_goes_to_login(client, community):
    response = client.get(f"/communities/{community.pk}/join/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_decided_request_cannot_be_decided_again(client, community, worker, household):
    user = User.objects.create_user(email="b@example.org", password="x-pass-12345")
    membership = Membership.objects.create(user=user, community=community, household=household)
    client.force_login(worker)
    url = f"/communities/{community.pk}/members/{membership.pk}/approve/"
    client.post(url, {})
    response = client.post(url, {}, follow=True)
    assert "已经处理" in response.content.decode()
    assert RoleEvent.objects.filter(user=user, kind=RoleEvent.Kind.APPROVED).count() == 1


def test_worker_changes_a_role_and_it_is_recorded(client, community, worker, resident):
    membership = Membership.objects.get(user=resident, community=community)
    client.force_login(worker)
    client.post(f"/communities/{community.pk}/members/{membership.pk}/role/", {"role": "representative"})
    membership.refresh_from_db()
    assert membership.role == Role.REPRESENTATIVE
    event = RoleEvent.objects.get(user=resident, kind=RoleEvent.Kind.ROLE_CHANGED)
    assert (event.old_value, event.new_value, event.by) == ("resident", "representative", worker)
    # Street and property roles are not community roles.
    client.post(f"/communities/{community.pk}/members/{membership.pk}/role/", {"role": "street"})
    membership.refresh_from_db()
    assert membership.role == Role.REPRESENTATIVE


def test_worker_of_another_community_cannot_decide(client, community, other_community, household):
    from tests.factories import make_member

    stranger = make_member(other_community, role=Role.WORKER)
    user = User.objects.create_user(email="c@example.org", password="x-pass-12345")
    membership = Membership.objects.create(user=user, community=community, household=household)
    client.force_login(stranger)
    response = client.post(f"/communities/{community.pk}/members/{membership.pk}/approve/", {})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING


def test_inbox_counts_and_marks_read(client, resident):
    from deliberation.services.notifications import notify

    for key in ("one", "one", "two"):
        notify(
            user=resident,
            template="deliberation/mail/membership_requested",
            context={
                "membership": resident.memberships.first(),
                "community": resident.memberships.first().community,
            },
            url="/profile/",
            key=key,
        )
    assert resident.notifications.count() == 2
    client.force_login(resident)
    assert '<span class="badge"' in client.get("/").content.decode()
    client.post("/inbox/")
    assert resident.notifications.filter(read_at__isnull=True).count() == 0


def test_profile_shows_property_and_street_roles(client, street, company):
    from deliberation.services.memberships import user_set_property_company, user_set_street_office

    user = User.objects.create_user(email="p@example.org", password="x-pass-12345")
    user_set_property_company(user=user, company=company, by=None)
    user_set_street_office(user=user, street=street, by=None)
    client.force_login(user)
    body = client.get("/profile/").content.decode()
    assert "物业人员" in body and "宜居物业" in body and "街道工作人员" in body
    assert RoleEvent.objects.filter(user=user).count() == 2


@pytest.mark.parametrize(
    ("reason", "message"),
    [("长" * 301, "300"), ("房号\n不存在", "不要换行"), ("房号\x00", "控制字符")],
)
def test_rejection_reason_is_validated_by_its_form(client, community, worker, household, reason, message):
    """A reason longer than the column (a 500 on PostgreSQL) or with control characters is a
    form error shown to the worker; the request stays pending."""
    user = User.objects.create_user(email="b@example.org", password="x-pass-12345")
    client.force_login(user)
    client.post(
        f"/communities/{community.pk}/join/",
        {"building": "3号楼", "unit": "2单元", "room": "502", "tenure": "owner"},
    )
    membership = Membership.objects.get(user=user)
    client.force_login(worker)
    response = client.post(
        f"/communities/{community.pk}/members/{membership.pk}/reject/", {"reason": reason}, follow=True
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING and membership.decision_note == ""
