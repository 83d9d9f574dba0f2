"""Fixtures for the meetings tests (the teardown hook for transactional tests is in tests/conftest.py)."""

import pytest

from deliberation.models import Role
from meetings.models import Meeting, Participant
from meetings.services import convening
from tests.factories import add_four_parties, four_parties, make_meeting, make_member, soon
from tests.rows import KEPT


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test runs on its own event loop, but the channel layer (channels-redis keeps asyncio
    locks and connection pools bound to the loop that first used them) and this process's live
    relays and pending tally flushes are process-wide. A production worker has one loop for its
    lifetime; a test suite has hundreds, so each test starts with none of the previous loop's."""
    from channels.layers import channel_layers

    from meetings import live

    def reset():
        channel_layers.backends.clear()
        live.forget_process_state()

    reset()
    yield
    reset()


# --- The live meeting most live and resolution tests start from ----------------------------


@pytest.fixture
def meeting(community):
    """A public meeting of ``community`` in progress, with two agenda items."""
    return KEPT.build("meeting", lambda: make_meeting(community))


@pytest.fixture
def people(meeting):
    """``four_parties``: a chair, a secretary and one voting member of every party, all present."""
    return KEPT.build("people", lambda: four_parties(meeting))


# --- Convening, through the services ------------------------------------------------------


@pytest.fixture
def convener(community):
    return KEPT.build(
        "convener",
        lambda: make_member(community, role=Role.WORKER, display_name="陈社工", email="convener@example.org"),
    )


@pytest.fixture
def draft(community, convener):
    starts, ends = soon()
    return convening.meeting_create(
        community=community,
        by=convener,
        title="四方会议：电梯维修",
        place="党群服务中心三楼",
        starts_at=starts,
        ends_at=ends,
    )


@pytest.fixture
def ready(draft, community, convener):
    """A draft with a time, a place and all four parties: ready to invite."""
    add_four_parties(draft, community, convener)
    convening.agenda_item_add(meeting=draft, by=convener, title="3号楼电梯更换")
    convening.agenda_item_add(meeting=draft, by=convener, title="小区停车收费")
    return Meeting.objects.get(pk=draft.pk)


@pytest.fixture
def scheduled(ready, convener, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return convening.meeting_schedule(meeting=ready, by=convener)


@pytest.fixture
def email_only(ready):
    return Participant.objects.get(meeting=ready, user__isnull=True)


@pytest.fixture
def english_service_messages():
    """Service errors are asserted in English; mails still follow each recipient's language.
    (Used by the convening and feed modules: ``pytestmark = pytest.mark.usefixtures(...)``.)"""
    from django.utils import translation

    with translation.override("en"):
        yield
