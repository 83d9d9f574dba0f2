"""The outbox page, "send again" and "send all again" through the test client."""

import pytest
from django.core import mail

from deliberation.models import Delivery, Role, about_key
from deliberation.services.delivery import Email, Recipient, deliver
from tests.factories import UserFactory, make_member


def notice(community, *, name, email, label="关于3号楼电梯维修的通知", key=None):
    (delivery,) = deliver(
        key=key or f"test:{email}",
        recipient=Recipient(name=name, email=email, ref=f"user:{email}"),
        label=label,
        email=Email(subject=label, text="正文"),
        about=about_key("request", 1),
        community=community,
    )
    return delivery


@pytest.fixture
def failed(community, other_community, failing_mail, django_capture_on_commit_callbacks):
    """Three notices of ``community`` (one retrying, one given up, one delivered) and a failed one
    of ``other_community``."""
    failing_mail.UNREACHABLE.add("wang@example.org")
    failing_mail.NO_SUCH_USER.add("li.si@example.org")
    failing_mail.UNREACHABLE.add("zhao@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        rows = {
            "retrying": notice(community, name="王阿姨", email="wang@example.org"),
            "gave_up": notice(community, name="李四", email="li.si@example.org", label="会议邀请"),
            "sent": notice(community, name="张三", email="zhang@example.org", label="已送达的通知"),
            "other": notice(other_community, name="赵大爷", email="zhao@example.org", label="别的社区的通知"),
        }
    for row in rows.values():
        row.refresh_from_db()
    assert [rows[k].status for k in ("retrying", "gave_up", "sent", "other")] == [
        Delivery.Status.FAILED, Delivery.Status.GAVE_UP, Delivery.Status.SENT, Delivery.Status.FAILED,
    ]  # fmt: skip
    mail.outbox.clear()
    return rows


def outbox_url(community) -> str:
    return f"/communities/{community.pk}/outbox/"


def test_worker_sees_the_communitys_failed_notices_only_with_masked_addresses(
    client, worker, community, failed
):
    client.force_login(worker)
    html = client.get(outbox_url(community)).content.decode()
    assert "关于3号楼电梯维修的通知" in html and "会议邀请" in html
    assert "王阿姨" in html and "李四" in html
    assert "w***@example.org" in html and "l***@example.org" in html
    assert "wang@example.org" not in html and "li.si@example.org" not in html
    assert "Failed, will retry" in html and "Failed, gave up" in html
    assert "no such user" in html and "Connection refused" in html
    # Delivered notices and another community's are not listed.
    assert "已送达的通知" not in html and "别的社区的通知" not in html and "赵大爷" not in html
    assert html.count("/retry/") == 3  # one per row and "send all again"
    assert f"/deliveries/{failed['retrying'].pk}/retry/" in html
    assert f"/deliveries/{failed['gave_up'].pk}/retry/" in html


@pytest.mark.parametrize("who", ["resident", "street", "property", "committee", "other_worker"])
def test_others_get_403(client, community, other_community, street, company, failed, who):
    user = {
        "resident": lambda: make_member(community, role=Role.RESIDENT),
        "street": lambda: UserFactory(street_office=street),
        "property": lambda: UserFactory(property_company=company),
        "committee": lambda: make_member(community, role=Role.COMMITTEE),
        "other_worker": lambda: make_member(other_community, role=Role.WORKER),
    }[who]()
    client.force_login(user)
    assert client.get(outbox_url(community)).status_code == 403
    assert client.post(f"/deliveries/{failed['retrying'].pk}/retry/").status_code == 403
    assert client.post(f"{outbox_url(community)}retry/").status_code == 403
    assert Delivery.objects.get(pk=failed["retrying"].pk).status == Delivery.Status.FAILED


def test_anonymous_visitors_log_in(client, community, failed):
    for response in (
        client.get(outbox_url(community)),
        client.post(f"/deliveries/{failed['retrying'].pk}/retry/"),
        client.post(f"{outbox_url(community)}retry/"),
    ):
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_bad_ids_404_and_get_on_retry_405(client, worker, community, failed):
    client.force_login(worker)
    assert client.get("/communities/999999/outbox/").status_code == 404
    assert client.post("/deliveries/999999/retry/").status_code == 404
    assert client.post("/deliveries/0/retry/").status_code == 404
    assert client.get("/deliveries/abc/retry/").status_code == 404
    assert client.get(f"/deliveries/{failed['retrying'].pk}/retry/").status_code == 405
    assert client.get(f"{outbox_url(community)}retry/").status_code == 405


def test_send_again_delivers_and_goes_back(
    client, worker, community, failed, failing_mail, django_capture_on_commit_callbacks
):
    client.force_login(worker)
    delivery = failed["gave_up"]
    failing_mail.NO_SUCH_USER.clear()  # the worker had the address's mailbox fixed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/deliveries/{delivery.pk}/retry/", {"next": f"{outbox_url(community)}?page=1"}
        )
    assert response.status_code == 302 and response["Location"] == f"{outbox_url(community)}?page=1"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 2
    assert [m.to for m in mail.outbox] == [["li.si@example.org"]]
    html = client.get(response["Location"]).content.decode()
    assert "is being sent again to 李四" in html
    assert f"/deliveries/{delivery.pk}/retry/" not in html


def test_next_elsewhere_is_ignored(client, worker, community, failed, django_capture_on_commit_callbacks):
    client.force_login(worker)
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(f"/deliveries/{failed['retrying'].pk}/retry/", {"next": target})
        assert response.status_code == 302 and response["Location"] == outbox_url(community)


def test_a_delivered_notice_is_not_sent_again(client, worker, community, failed):
    client.force_login(worker)
    response = client.post(f"/deliveries/{failed['sent'].pk}/retry/", follow=True)
    assert "Only a failed delivery can be sent again." in response.content.decode()
    assert mail.outbox == []


def test_send_all_again(client, worker, community, failed, failing_mail, django_capture_on_commit_callbacks):
    client.force_login(worker)
    failing_mail.UNREACHABLE.clear()
    failing_mail.NO_SUCH_USER.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{outbox_url(community)}retry/", follow=True)
    assert "2 notices are being sent again." in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == ["li.si@example.org", "wang@example.org"]
    assert Delivery.objects.get(pk=failed["other"].pk).status == Delivery.Status.FAILED
    assert "Every notice was delivered or is on its way." in response.content.decode()


def test_work_queue_links_to_the_outbox_with_the_count(client, worker, community, failed):
    client.force_login(worker)
    html = client.get("/work/").content.decode()
    assert f'href="{outbox_url(community)}"' in html
    assert "2 notices not delivered" in html


def test_outbox_pages(client, worker, community, failing_mail, django_capture_on_commit_callbacks):
    failing_mail.NO_SUCH_USER.update(f"p{n}@example.org" for n in range(35))
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(35):
            notice(community, name=f"居民{n}", email=f"p{n}@example.org")
    client.force_login(worker)
    first = client.get(outbox_url(community)).content.decode()
    second = client.get(f"{outbox_url(community)}?page=2").content.decode()
    assert first.count('class="outbox-row') == 30 and second.count('class="outbox-row') == 5
    assert "Page 1 of 2" in first


def test_the_outbox_in_chinese(client, worker, community, failed, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(worker)
    html = client.get(outbox_url(community)).content.decode()
    assert "未送达的通知" in html and "发送失败，已放弃" in html and "发送失败，将重试" in html
    assert "全部重新发送" in html and "重新发送" in html and "电子邮件" in html


def test_an_account_without_a_name_is_masked_too(
    client, worker, community, failing_mail, django_capture_on_commit_callbacks
):
    """``User.__str__`` falls back to the e-mail: the outbox masks it like the address."""
    failing_mail.NO_SUCH_USER.add("nameless@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        notice(community, name="nameless@example.org", email="nameless@example.org")
    client.force_login(worker)
    html = client.get(outbox_url(community)).content.decode()
    assert "nameless@example.org" not in html
    assert html.count("n***@example.org") >= 3  # the name, the address, the quoted address in the error
