"""The hall's "my requests" (``?mine=1``, the elderly mode's big button): the person's own only."""

import pytest

from deliberation.selectors import hall_url
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_mine_lists_only_the_signed_in_persons_requests(client, community, submit):
    me = make_member(community)
    submit(by=me, title="我家楼道灯坏了")
    submit(title="邻居的电梯问题")
    client.force_login(me)
    body = client.get(hall_url(community) + "?mine=1").content.decode()
    assert "我家楼道灯坏了" in body and "邻居的电梯问题" not in body
    assert "My requests" in body and 'name="mine" value="1"' in body  # kept when filtering
    body = client.get(hall_url(community)).content.decode()
    assert "我家楼道灯坏了" in body and "邻居的电梯问题" in body


def test_mine_means_nothing_to_a_visitor(client, community, submit):
    submit(title="邻居的电梯问题")
    body = client.get(hall_url(community) + "?mine=1").content.decode()
    assert "邻居的电梯问题" in body and 'name="mine"' not in body
