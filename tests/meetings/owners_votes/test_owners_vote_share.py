"""An owners' vote's notice forwarded into a WeChat group: what it is, when, what is decided;
a draft says nothing to the public."""

import pytest
from django.urls import reverse

from tests.cms.test_share_meta import assert_complete, share_tags

pytestmark = pytest.mark.django_db


def test_an_announced_vote_says_what_is_decided_and_when(client, open_vote):
    client.cookies["django_language"] = "en"
    url = reverse("owners_vote_detail", args=[open_vote.pk])
    tags = share_tags(client.get(url))
    assert_complete(tags, url)
    assert tags["og:title"] == "使用维修资金更换电梯 · 幸福社区"
    assert tags["og:description"].startswith("Owners' vote · Announced · voting ")
    assert "同意使用维修资金更换5号楼电梯；同意选聘施工单位" in tags["og:description"]


def test_a_draft_vote_leaks_nothing(client, draft):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("owners_vote_detail", args=[draft.pk]), follow=True)
    body = response.content.decode()
    assert "电梯" not in body
    assert share_tags(response)["og:title"] == "Community Deliberation Hall"
