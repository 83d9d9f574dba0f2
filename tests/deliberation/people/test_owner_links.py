"""Linking roster owners to accounts, through the members page as a worker would (and as others
would try): on approval, and later by link / unlink; every link recorded with who and when."""

import pytest

from deliberation.models import Membership, Owner, Role, RoleEvent, User
from tests.conftest import ROLES
from tests.factories import (
    BuildingFactory,
    HouseholdFactory,
    OwnerFactory,
    UserFactory,
    link_owner,
    make_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(community):
    building = BuildingFactory(community=community, name="3号楼")
    return HouseholdFactory(building=building, unit="2单元", room="502")


@pytest.fixture
def co_owners(household):
    """Two co-owners on the roster; 张秀英's phone is the applicant's, written differently."""
    return (
        OwnerFactory(household=household, name="张秀英", phone="+86 139 0000 1234"),
        OwnerFactory(household=household, name="李建国", phone="13700000000"),
    )


@pytest.fixture
def applicant(community, household):
    user = User.objects.create_user(
        email="zhang@example.org", password="x-pass-12345", display_name="张阿姨", phone="13900001234"
    )
    membership = Membership.objects.create(
        user=user,
        community=community,
        household=household,
        claimed_building="3号楼",
        claimed_unit="2单元",
        claimed_room="502",
        tenure="owner",
    )
    return membership


def approve_url(community, membership):
    return f"/communities/{community.pk}/members/{membership.pk}/approve/"


def test_approving_an_owner_suggests_by_phone_and_links_the_confirmed_owner(
    client, community, worker, applicant, co_owners
):
    zhang, li = co_owners
    client.force_login(worker)
    page = client.get(f"/communities/{community.pk}/members/").content.decode()
    # The owner whose phone matches is preselected and marked as suggested; the other is offered.
    assert f'<option value="{zhang.pk}" selected>张秀英' in page
    assert f'<option value="{li.pk}">李建国' in page
    response = client.post(approve_url(community, applicant), {"household": "", "owner": str(zhang.pk)})
    assert response.status_code == 302
    applicant.refresh_from_db()
    zhang.refresh_from_db()
    li.refresh_from_db()
    assert applicant.status == Membership.Status.APPROVED
    assert zhang.user == applicant.user and zhang.linked_by == worker and zhang.linked_at is not None
    assert li.user is None
    event = RoleEvent.objects.get(kind=RoleEvent.Kind.OWNER_LINKED)
    assert (event.user, event.by, event.community_id) == (applicant.user, worker, community.pk)
    assert "张秀英" in event.new_value and "3号楼-2单元-502" in event.new_value
    page = client.get(f"/communities/{community.pk}/members/").content.decode()
    assert "3号楼-2单元-502 张秀英" in page and "已关联到名册业主" in page


def test_an_owners_approval_needs_the_worker_to_say_which_owner(
    client, community, worker, applicant, co_owners
):
    client.force_login(worker)
    response = client.post(approve_url(community, applicant), {"household": ""}, follow=True)
    assert "请确认" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.PENDING
    assert not Owner.objects.filter(user__isnull=False).exists()
    # "None of them" verifies the member without a link.
    client.post(approve_url(community, applicant), {"household": "", "owner": "none"})
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.APPROVED
    assert not Owner.objects.filter(user__isnull=False).exists()
    assert not RoleEvent.objects.filter(kind=RoleEvent.Kind.OWNER_LINKED).exists()


def test_an_owner_of_another_household_or_community_is_refused_on_approval(
    client, community, other_community, worker, applicant, co_owners
):
    elsewhere = OwnerFactory(household=HouseholdFactory(building=co_owners[0].household.building, room="901"))
    foreign = OwnerFactory(household=HouseholdFactory(building=BuildingFactory(community=other_community)))
    client.force_login(worker)
    for owner, message in ((elsewhere, "不在住户"), (foreign, "请从")):
        response = client.post(
            approve_url(community, applicant), {"household": "", "owner": str(owner.pk)}, follow=True
        )
        assert message in response.content.decode()
    for bad in ("abc", "-1", "99999"):
        response = client.post(
            approve_url(community, applicant), {"household": "", "owner": bad}, follow=True
        )
        assert response.status_code == 200 and "请从" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.PENDING
    assert not Owner.objects.filter(user__isnull=False).exists()


def test_a_worker_links_and_unlinks_on_the_members_page_and_each_is_recorded(
    client, community, worker, household
):
    building = household.building
    member = make_member(community, display_name="王建军", phone="13811112222")
    membership = Membership.objects.get(user=member)
    by_name = OwnerFactory(household=household, name="王建军")
    by_phone = OwnerFactory(
        household=HouseholdFactory(building=building, room="601"), name="王先生", phone="138-1111-2222"
    )
    other = OwnerFactory(household=HouseholdFactory(building=building, room="602"), name="陈红")
    client.force_login(worker)
    page = client.get(f"/communities/{community.pk}/members/").content.decode()
    # Both matches are offered as one-click links for this member; the stranger is not.
    row = page[page.index(f'id="member-{membership.pk}"') :]
    row = row[: row.index("</tr>")]
    assert (
        f'value="{by_name.pk}"' in row
        and f'value="{by_phone.pk}"' in row
        and f'value="{other.pk}"' not in row
    )

    link = f"/communities/{community.pk}/members/owners/link/"
    for owner in (by_name, by_phone):
        assert client.post(link, {"membership": membership.pk, "owner": owner.pk}).status_code == 302
    assert set(member.ownerships.values_list("pk", flat=True)) == {by_name.pk, by_phone.pk}
    # Linking again is harmless; linking someone else to a linked owner is refused.
    client.post(link, {"membership": membership.pk, "owner": by_name.pk})
    assert RoleEvent.objects.filter(kind=RoleEvent.Kind.OWNER_LINKED).count() == 2
    someone = Membership.objects.get(user=make_member(community))
    response = client.post(link, {"membership": someone.pk, "owner": by_name.pk}, follow=True)
    assert "已关联到另一个账号" in response.content.decode()

    response = client.post(f"/communities/{community.pk}/members/owners/{by_phone.pk}/unlink/", follow=True)
    assert response.status_code == 200
    by_phone.refresh_from_db()
    assert by_phone.user is None and by_phone.linked_by is None
    event = RoleEvent.objects.get(kind=RoleEvent.Kind.OWNER_UNLINKED)
    assert (event.user, event.by) == (member, worker) and "王先生" in event.old_value
    assert "王先生" in response.content.decode()  # the history stays on the page
    response = client.post(f"/communities/{community.pk}/members/owners/{by_phone.pk}/unlink/", follow=True)
    assert "没有关联" in response.content.decode()


def test_only_verified_members_of_the_community_can_be_linked(
    client, community, other_community, worker, household
):
    owner = OwnerFactory(household=household)
    pending = Membership.objects.create(user=UserFactory(), community=community, household=household)
    foreign = Membership.objects.get(user=make_member(other_community))
    client.force_login(worker)
    link = f"/communities/{community.pk}/members/owners/link/"
    for membership in (pending, foreign):
        response = client.post(link, {"membership": membership.pk, "owner": owner.pk}, follow=True)
        assert response.status_code == 200 and "请选择已验证的成员" in response.content.decode()
    for data in ({}, {"membership": "x", "owner": "y"}):
        assert client.post(link, data, follow=True).status_code == 200
    owner.refresh_from_db()
    assert owner.user is None


@pytest.mark.parametrize("role", ROLES)
def test_only_the_communitys_workers_may_link_or_unlink(role, client, users_by_role, community, household):
    user = users_by_role[role]
    member = make_member(community, role=Role.RESIDENT)
    membership = Membership.objects.get(user=member)
    free = OwnerFactory(household=household, name="待关联")
    linked = link_owner(
        OwnerFactory(household=HouseholdFactory(building=household.building, room="701"), name="已关联"),
        member,
    )
    if user is not None:
        client.force_login(user)
    link = client.post(
        f"/communities/{community.pk}/members/owners/link/", {"membership": membership.pk, "owner": free.pk}
    )
    unlink = client.post(f"/communities/{community.pk}/members/owners/{linked.pk}/unlink/")
    free.refresh_from_db()
    linked.refresh_from_db()
    allowed = role in ("worker", "admin")
    assert (free.user == member) is allowed
    assert (linked.user is None) is allowed
    if role == "anonymous":
        assert link.status_code == unlink.status_code == 302 and "/accounts/login/" in link["Location"]
    elif not allowed:
        assert link.status_code == unlink.status_code == 403


def test_a_worker_of_another_community_cannot_link(client, community, other_community, household):
    member = make_member(community)
    owner = OwnerFactory(household=household)
    client.force_login(make_member(other_community, role=Role.WORKER))
    response = client.post(
        f"/communities/{community.pk}/members/owners/link/",
        {"membership": Membership.objects.get(user=member).pk, "owner": owner.pk},
    )
    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.user is None


def test_the_owner_question_is_asked_in_chinese_and_in_english(
    client, community, worker, applicant, co_owners
):
    client.force_login(worker)
    assert "此人是该房屋的哪位业主？" in client.get(f"/communities/{community.pk}/members/").content.decode()
    client.cookies["django_language"] = "en"
    page = client.get(f"/communities/{community.pk}/members/").content.decode()
    assert "Which owner of this household is this person?" in page and "None of them (do not link)" in page
