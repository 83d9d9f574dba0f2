"""Approving a member: the roster is searched on the server, not offered as a list of every
household; a household can also be written out ("3号楼-1-101") and is checked on the server."""

import html as html_lib

import pytest
from django.urls import reverse

from deliberation.models import Building, Membership, Role
from deliberation.services.memberships import membership_request
from tests.factories import HouseholdFactory, UserFactory, in_english, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(community):
    """Two buildings, 3 units, 40 rooms each: 240 households."""
    households = {}
    for name in ("3号楼", "5号楼"):
        building = Building.objects.create(community=community, name=name)
        for unit in ("1", "2", "3"):
            for room in range(101, 141):
                households[f"{name}-{unit}-{room}"] = HouseholdFactory(
                    building=building, unit=unit, room=str(room)
                )
    return households


@pytest.fixture
def applicant(community, roster):
    user = UserFactory(display_name="赵申请")
    return membership_request(
        user=user, community=community, building="9号楼", unit="1", room="101", tenure="tenant"
    )


@pytest.fixture
def worker_client(client, community):
    client.force_login(make_member(community, role=Role.WORKER))
    return in_english(client)


def members_url(community):
    return reverse("members", kwargs={"community_id": community.pk})


def approve_url(community, membership):
    return reverse(
        "membership_decide",
        kwargs={"community_id": community.pk, "membership_id": membership.pk, "action": "approve"},
    )


def test_the_members_page_lists_no_household_until_searched(worker_client, community, applicant, roster):
    html = worker_client.get(members_url(community)).content.decode()
    assert f'id="hq-{applicant.pk}"' in html  # the search box
    assert html.count("号楼-") < 5  # not 240 options
    assert 'name="household_text"' in html


def test_searching_the_roster_by_building_unit_and_room(worker_client, community, applicant, roster):
    response = worker_client.get(members_url(community), {"membership": applicant.pk, "q": "5号楼 2 113"})
    html = response.content.decode()
    assert response.status_code == 200
    assert [key for key in roster if f'value="{roster[key].pk}"> {key}<' in html] == ["5号楼-2-113"]
    # A whole building: the first 20 households only, in roster order.
    html = worker_client.get(
        members_url(community), {"membership": applicant.pk, "q": "3号楼"}
    ).content.decode()
    assert html.count('type="radio" name="household" value="') == 21
    # A full-width dash from a Chinese keyboard finds the one household.
    html = worker_client.get(
        members_url(community), {"membership": applicant.pk, "q": "3号楼－1－101"}
    ).content.decode()
    assert f'value="{roster["3号楼-1-101"].pk}"> 3号楼-1-101<' in html
    assert html.count('type="radio" name="household" value="') == 2  # it, and "none of these"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"q": "7号楼"}, "No household on the roster matches “7号楼”."),
        ({"q": ""}, "Type a building, unit or room to search the roster."),
        ({"q": "1" * 61}, "Type at most 60 characters to search the roster."),
    ],
)
def test_a_search_that_finds_nothing_says_why(worker_client, community, applicant, query, message):
    response = worker_client.get(members_url(community), {"membership": applicant.pk, **query})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_control_characters_in_a_search_get_a_message_not_an_error(worker_client, community, applicant):
    response = worker_client.get(members_url(community), {"membership": applicant.pk, "q": "3号楼\x00\x07"})
    assert response.status_code == 200
    assert 'class="errors search-error" role="alert"' in response.content.decode()


@pytest.mark.parametrize("membership", ["abc", "999999999999999999999", "-1"])
def test_a_search_for_nobody_waiting_is_refused_in_words(worker_client, community, applicant, membership):
    response = worker_client.get(members_url(community), {"membership": membership, "q": "3号楼"})
    assert response.status_code == 200
    assert "That person is no longer waiting for verification." in response.content.decode()


def test_approving_with_a_household_written_out(worker_client, community, applicant, roster):
    response = worker_client.post(approve_url(community, applicant), {"household_text": " 3号楼 - 2 - 120 "})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.APPROVED and applicant.household == roster["3号楼-2-120"]


def test_approving_with_a_household_found_by_the_search(worker_client, community, applicant, roster):
    chosen = roster["5号楼-3-140"]
    worker_client.post(approve_url(community, applicant), {"household": chosen.pk, "household_text": ""})
    applicant.refresh_from_db()
    assert applicant.household == chosen


@pytest.mark.parametrize("text", ["9号楼-1-101", "3号楼-1", "<script>"])
def test_a_household_not_on_the_roster_is_refused_with_a_clear_message(
    worker_client, community, applicant, roster, text
):
    response = worker_client.post(approve_url(community, applicant), {"household_text": text}, follow=True)
    assert response.status_code == 200
    assert f"No household “{text}” is on this community's roster." in html_lib.unescape(
        response.content.decode()
    )
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.PENDING


def test_another_communitys_household_is_not_found(worker_client, community, other_community, applicant):
    building = Building.objects.create(community=other_community, name="8号楼")
    HouseholdFactory(building=building, unit="1", room="101")
    worker_client.post(approve_url(community, applicant), {"household_text": "8号楼-1-101"})
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.PENDING
    html = worker_client.get(
        members_url(community), {"membership": applicant.pk, "q": "8号楼"}
    ).content.decode()
    assert "No household on the roster matches “8号楼”." in html
