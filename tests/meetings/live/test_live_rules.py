"""Every live-meeting permission against every role (plus the meeting's own chair and secretary)."""

import pytest

from deliberation.models import Building
from meetings.models import Meeting, ParticipantRole, Party
from tests.conftest import ROLES, as_user
from tests.factories import HouseholdFactory, OwnerFactory, add_participant, link_owner, make_meeting

pytestmark = pytest.mark.django_db

EVERYONE_WHO_SEES = {"resident", "representative", "committee", "worker", "street", "admin"}

# permission -> roles allowed, on a members-only meeting where "chair"/"secretary"/"voter" are participants
EXPECTED = {
    "meetings.view_live": EVERYONE_WHO_SEES | {"chair", "secretary", "voter", "owner"},
    "meetings.keep_minutes": {"worker", "admin", "secretary"},
    "meetings.chair_meeting": {"worker", "admin", "chair"},
    "meetings.show_checkin_qr": {"worker", "admin", "secretary"},
    "meetings.check_in_self": {"chair", "secretary", "voter", "admin"},
    "meetings.cast_ballot": {"chair", "voter", "owner", "admin"},
    "meetings.view_resolution": EVERYONE_WHO_SEES | {"chair", "secretary", "voter", "owner"},
    "meetings.manage_actions": {"worker", "admin", "secretary"},
}
ACTORS = [*ROLES, "chair", "secretary", "voter", "owner"]


@pytest.fixture
def setting(community, users_by_role):
    meeting = make_meeting(community, visibility=Meeting.Visibility.MEMBERS)
    users = dict(users_by_role)
    users["chair"] = add_participant(meeting, party=Party.COMMUNITY, role=ParticipantRole.CHAIR).user
    users["secretary"] = add_participant(
        meeting, party=Party.COMMUNITY, role=ParticipantRole.SECRETARY, votes=False
    ).user
    users["voter"] = add_participant(meeting, party=Party.PROPERTY).user
    owner = link_owner(
        OwnerFactory(
            household=HouseholdFactory(
                building=Building.objects.get_or_create(community=community, name="9号楼")[0]
            )
        ),
        users_by_role["outsider"].__class__.objects.create_user(email="owner@example.org", password="x"),
    )
    users["owner"] = owner.user
    return meeting, users


@pytest.mark.parametrize("perm", sorted(EXPECTED))
@pytest.mark.parametrize("actor", ACTORS)
def test_permission(setting, perm, actor):
    meeting, users = setting
    allowed = as_user(users[actor]).has_perm(perm, meeting)
    assert allowed == (actor in EXPECTED[perm]), f"{actor} {perm}"


@pytest.mark.parametrize("rule", ["simple_majority", "four_party_consensus", "civil_code_278"])
@pytest.mark.parametrize("actor", ACTORS)
def test_cast_ballot_on_one_motion_owners_on_art_278_participants_on_the_rest(setting, rule, actor):
    from meetings.models import Motion

    meeting, users = setting
    motion = Motion(meeting=meeting, rule=rule, text="x")
    voters = {"owner", "admin"} if rule == "civil_code_278" else {"chair", "voter", "admin"}
    assert as_user(users[actor]).has_perm("meetings.cast_ballot", motion) == (actor in voters), (
        f"{actor} {rule}"
    )


def test_public_meetings_are_watched_by_anyone(community, users_by_role):
    meeting = make_meeting(community)
    for role in ROLES:
        if role == "admin":
            continue
        assert as_user(users_by_role[role]).has_perm("meetings.view_live", meeting)
        assert not as_user(users_by_role[role]).has_perm("meetings.check_in_self", meeting)


def test_a_draft_is_seen_only_by_its_workers_and_invitees(community, users_by_role):
    meeting = make_meeting(community, status=Meeting.Status.DRAFT)
    invitee = add_participant(meeting).user
    for role in ROLES:
        expected = role in {"worker", "admin"}
        assert as_user(users_by_role[role]).has_perm("meetings.view_live", meeting) is expected, role
    assert invitee.has_perm("meetings.view_live", meeting)
