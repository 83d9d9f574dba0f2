"""Migrations deliberation 0012 and meetings 0011 give every existing community its hall and
meetings page, once, as the services give a new one (``cms.tree.add_child_page``)."""

import importlib

import pytest
from django.apps import apps

from deliberation.models import HallPage
from meetings.models import MeetingIndexPage

pytestmark = pytest.mark.django_db

halls = importlib.import_module("deliberation.migrations.0013_hall_pages_for_communities")
indexes = importlib.import_module("meetings.migrations.0012_meeting_index_pages_for_communities")


def test_communities_without_their_pages_get_them_once(client, community, other_community):
    HallPage.objects.child_of(community).get().delete()
    MeetingIndexPage.objects.child_of(community).get().delete()
    for _ in range(2):
        halls.create_hall_pages(apps, None)
        indexes.create_meeting_index_pages(apps, None)
    for each in (community, other_community):
        each.refresh_from_db()
        assert HallPage.objects.child_of(each).count() == 1
        assert MeetingIndexPage.objects.child_of(each).count() == 1
        assert each.numchild == each.get_children().count()
    hall = HallPage.objects.child_of(community).get()
    assert hall.url == f"{community.url}hall/" and hall.live
    assert client.get(hall.url).status_code == 200
    assert client.get(f"{community.url}meetings/").status_code == 200
