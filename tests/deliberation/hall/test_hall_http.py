"""Each role's path through the hall, over HTTP: submit, offline intake, support, the whole loop."""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from deliberation.models import Channel, Notification, Request, RequestEvent, RequestPhoto, Role
from deliberation.selectors import hall_url, request_url
from deliberation.services.requests import request_accept, request_resolve
from tests.factories import PropertyCompanyFactory, UserFactory, make_member

from .images import upload

pytestmark = pytest.mark.django_db

Status = Request.Status


def post_action(client, request, action, data):
    url = request_url(request, "request_action", action)
    return client.post(url, {f"{action}-{k}": v for k, v in data.items()})


def kinds(request):
    return list(RequestEvent.objects.filter(request=request).values_list("kind", flat=True))


@pytest.fixture
def accepted(submit, worker):
    return request_accept(request=submit(), by=worker)


def test_resident_submits_with_photos_stripped_of_gps(client, community, category, resident, worker):
    client.force_login(resident)
    form = client.get(hall_url(community, "request_new"))
    building = community.buildings.first().name
    assert form.status_code == 200 and f'<option value="{building}">' in form.content.decode()
    response = client.post(
        hall_url(community, "request_new"),
        {
            "title": "电梯又坏了",
            "description": "5号楼电梯三天没修好，老人上下楼很困难。",
            "category": category.pk,
            "location": "5号楼",
            "show_name": "on",
            "photos": [
                upload("a.jpg"),
                upload("b.png", "PNG", "image/png"),
                upload("c.webp", "WEBP", "image/webp"),
            ],
        },
    )
    request = Request.objects.get()
    assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
    assert request.tracking_number == f"SQ-{timezone.localtime(request.created_at).year}-{request.pk:06d}"
    assert (request.requester, request.status, request.channel) == (
        resident,
        Status.SUBMITTED,
        Channel.ONLINE,
    )
    photos = list(RequestPhoto.objects.filter(request=request))
    assert len(photos) == 3
    for photo in photos:
        with Image.open(photo.image.path) as image:
            assert dict(image.getexif()) == {}
            assert image.format in {"JPEG", "PNG", "WEBP"}
    assert kinds(request) == ["submitted"]
    assert Notification.objects.filter(user=worker, subject__contains=request.tracking_number).exists()
    page = client.get(request.get_absolute_url())
    assert page.status_code == 200 and "电梯又坏了" in page.content.decode()


@pytest.mark.parametrize("role", ["outsider", "property", "street"])
def test_non_members_cannot_submit(client, community, category, users_by_role, role):
    client.force_login(users_by_role[role])
    url = hall_url(community, "request_new")
    response = client.post(url, {"title": "x", "description": "y", "category": category.pk})
    assert response.status_code == 403
    assert "Only verified residents" in response.content.decode()
    assert not Request.objects.exists()


def test_anonymous_is_sent_to_log_in(client, community):
    response = client.get(hall_url(community, "request_new"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_bad_upload_and_oversized_text_are_form_errors(client, community, category, resident, settings):
    client.force_login(resident)
    url = hall_url(community, "request_new")
    data = {"title": "电梯", "description": "坏了", "category": category.pk}
    fake = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = client.post(url, {**data, "photos": [fake]})
    assert response.status_code == 400
    assert "virus.jpg is not a JPEG, PNG or WebP image." in response.content.decode()

    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    response = client.post(
        url, {**data, "photos": [SimpleUploadedFile("x.gif", gif.getvalue(), "image/gif")]}
    )
    assert (
        response.status_code == 400 and "x.gif is not a JPEG, PNG or WebP image." in response.content.decode()
    )

    response = client.post(url, {**data, "photos": [upload(f"{i}.jpg") for i in range(5)]})
    assert response.status_code == 400 and "At most 4 photos." in response.content.decode()

    settings.REQUEST_PHOTO_MAX_BYTES = 100
    response = client.post(url, {**data, "photos": [upload("big.jpg", size=(400, 400))]})
    assert response.status_code == 400 and "big.jpg is larger than" in response.content.decode()

    response = client.post(url, {**data, "description": "长" * 2001})
    assert response.status_code == 400 and "at most 2000 characters" in response.content.decode()
    assert not Request.objects.exists() and not RequestPhoto.objects.exists()


def test_worker_records_an_offline_request_kept_private(client, community, category, worker, resident):
    client.force_login(worker)
    response = client.post(
        hall_url(community, "request_record"),
        {
            "channel": Channel.PHONE,
            "intake_place": "社区服务站",
            "requester_name": "孙大爷",
            "requester_phone": "13900001111",
            "title": "楼下噪音扰民",
            "description": "夜里十点后广场舞音响太大",
            "category": category.pk,
        },
    )
    request = Request.objects.get()
    assert response.status_code == 302
    assert (request.channel, request.requester, request.recorded_by) == (Channel.PHONE, None, worker)
    assert kinds(request) == ["recorded"]
    assert "13900001111" in client.get(request.get_absolute_url()).content.decode()
    client.force_login(resident)
    page = client.get(request.get_absolute_url()).content.decode()
    assert "13900001111" not in page and "孙大爷" not in page

    response = client.post(hall_url(community, "request_record"), {})
    assert response.status_code == 403

    # Handled, resolved, and evaluated by the worker after a follow-up call (回访).
    request_resolve(request=request_accept(request=request, by=worker), by=worker)
    client.force_login(worker)
    assert (
        post_action(client, request, "evaluate", {"rating": "4", "comment": "电话回访：满意"}).status_code
        == 302
    )
    request.refresh_from_db()
    assert (request.status, request.rating) == (Status.EVALUATED, 4)
    assert RequestEvent.objects.filter(request=request, kind="evaluated").get().by == worker


def test_support_and_withdraw(client, submit, community):
    request = submit()
    neighbour = make_member(community)
    client.force_login(neighbour)
    support = request_url(request, "request_support", "support")
    withdraw = request_url(request, "request_support", "withdraw")
    assert client.post(support).status_code == 302
    assert Request.objects.get(pk=request.pk).num_vote_up == 1
    again = client.post(support)
    assert again.status_code == 403 and Request.objects.get(pk=request.pk).num_vote_up == 1
    assert client.post(withdraw).status_code == 302
    assert Request.objects.get(pk=request.pk).num_vote_up == 0

    client.force_login(request.requester)
    own = client.post(support)
    assert own.status_code == 403 and Request.objects.get(pk=request.pk).num_vote_up == 0
    client.force_login(UserFactory())
    assert client.post(support).status_code == 403


def test_threshold_proposes_once_and_notifies_workers(client, submit, community, worker):
    request = submit()  # threshold is 3 in the test community
    for _ in range(4):
        client.force_login(make_member(community))
        client.post(request_url(request, "request_support", "support"))
    request.refresh_from_db()
    assert request.num_vote_up == 4 and request.proposed_at is not None
    assert kinds(request).count("proposed") == 1
    proposed = RequestEvent.objects.get(request=request, kind="proposed")
    assert (
        Notification.objects.filter(user=worker, key=f"request:{request.pk}:event:{proposed.pk}").count() == 1
    )


def test_worker_accepts_with_sla_and_party(client, submit, worker, company, property_staff):
    request = submit()
    client.force_login(worker)
    # 18:00 UTC on 1 May is 02:00 on 2 May in Shanghai: the SLA counts from the Shanghai date.
    with time_machine.travel(datetime.datetime(2026, 5, 1, 18, tzinfo=datetime.UTC), tick=False):
        response = post_action(client, request, "accept", {"party": "", "due_date": "", "note": ""})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.ACCEPTED
    assert (request.responsible_party, request.assigned_company) == ("property", company)
    assert request.due_date == datetime.date(2026, 5, 7)  # 设施维修: 5 days
    assert Notification.objects.filter(user=property_staff).count() == 1
    assert Notification.objects.filter(
        user=request.requester, subject__contains=request.tracking_number
    ).exists()


@pytest.mark.parametrize(
    "role", ["resident", "representative", "committee", "property", "street", "outsider"]
)
def test_only_workers_accept_or_reject(client, submit, users_by_role, role):
    request = submit()
    client.force_login(users_by_role[role])
    response = post_action(client, request, "accept", {})
    assert response.status_code == 403
    assert "Only community workers accept requests." in response.content.decode()
    assert post_action(client, request, "reject", {"reason": "不行"}).status_code == 403
    assert Request.objects.get(pk=request.pk).status == Status.SUBMITTED
    assert kinds(request) == ["submitted"]


def test_reject_needs_a_reason(client, submit, worker):
    request = submit()
    client.force_login(worker)
    assert post_action(client, request, "reject", {"reason": ""}).status_code == 400
    assert Request.objects.get(pk=request.pk).status == Status.SUBMITTED
    assert post_action(client, request, "reject", {"reason": "属于市政管辖，已告知12345"}).status_code == 302
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    event = RequestEvent.objects.get(request=request, kind="rejected")
    assert (event.by, event.note) == (worker, "属于市政管辖，已告知12345")


def test_property_staff_respond_and_resolve(client, accepted, property_staff):
    client.force_login(property_staff)
    assert accepted in client.get(reverse("work_queue")).context["sections"]["company"]
    response = post_action(
        client, accepted, "respond", {"body": "已安排维修师傅明天上午处理", "photos": [upload()]}
    )
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == Status.RESPONDED and accepted.first_response_at is not None
    answer = accepted.responses.get()
    assert (answer.party, answer.by) == ("property", property_staff)
    assert answer.photos.count() == 1 and not answer.photos.get().image.name.endswith("photo.jpg")
    assert post_action(client, accepted, "resolve", {"note": "灯已更换"}).status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == Status.RESOLVED
    assert kinds(accepted) == ["submitted", "accepted", "responded", "resolved"]
    assert accepted not in client.get(reverse("work_queue")).context["sections"]["company"]


def test_other_company_and_residents_cannot_act(client, accepted, community, street):
    other_staff = UserFactory(property_company=PropertyCompanyFactory(name="别家物业"))
    for user, message in [
        (other_staff, "Only the party responsible for this request"),
        (make_member(community, role=Role.RESIDENT), "Only the party responsible for this request"),
        (accepted.requester, "Only the party responsible for this request"),
        (UserFactory(street_office=street), "Only the party responsible for this request"),
    ]:
        client.force_login(user)
        for action, data in [("respond", {"body": "我来答复"}), ("resolve", {"note": ""})]:
            response = post_action(client, accepted, action, data)
            assert response.status_code == 403, (user, action)
            text = response.content.decode()
            assert message in text
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED and not accepted.responses.exists()
    assert kinds(accepted) == ["submitted", "accepted"]


def test_invalid_transition_is_refused_with_reason(client, submit, worker):
    request = submit()
    client.force_login(worker)
    response = post_action(client, request, "resolve", {"note": ""})
    assert response.status_code == 403
    assert "Only an accepted, open request can be marked resolved." in response.content.decode()
    assert Request.objects.get(pk=request.pk).status == Status.SUBMITTED


def test_requester_evaluates_satisfied(client, accepted, worker):
    request_resolve(request=accepted, by=worker)
    client.force_login(accepted.requester)
    assert post_action(client, accepted, "evaluate", {"rating": "5", "comment": "很及时"}).status_code == 302
    accepted.refresh_from_db()
    assert (accepted.status, accepted.rating, accepted.reopen_count) == (Status.EVALUATED, 5, 0)


def test_unsatisfied_reopens_once_then_a_worker_decides(
    client, accepted, worker, property_staff, django_capture_on_commit_callbacks
):
    requester = accepted.requester
    request_resolve(request=accepted, by=property_staff)
    client.force_login(requester)
    assert (
        post_action(client, accepted, "evaluate", {"rating": "1", "comment": "灯还是不亮"}).status_code == 302
    )
    accepted.refresh_from_db()
    assert (accepted.status, accepted.reopen_count, accepted.rating) == (Status.ACCEPTED, 1, None)
    assert kinds(accepted)[-2:] == ["evaluated", "reopened"]

    request_resolve(request=accepted, by=property_staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(client, accepted, "evaluate", {"rating": "2", "comment": "还是不行"})
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert (accepted.status, accepted.reopen_count, accepted.rating) == (Status.EVALUATED, 1, 2)
    assert [m.to for m in mail.outbox] == [[worker.email]]  # the worker must decide; no second reopening
    assert (
        accepted.tracking_number in mail.outbox[0].subject
        and accepted.get_absolute_url() in mail.outbox[0].body
    )

    client.force_login(worker)
    assert post_action(client, accepted, "reopen", {"reason": "约物业现场查看"}).status_code == 302
    accepted.refresh_from_db()
    assert (accepted.status, accepted.reopen_count) == (Status.ACCEPTED, 2)


def test_others_cannot_evaluate(client, accepted, worker, community):
    request_resolve(request=accepted, by=worker)
    for user in (worker, make_member(community)):
        client.force_login(user)
        response = post_action(client, accepted, "evaluate", {"rating": "5"})
        assert response.status_code == 403
    assert Request.objects.get(pk=accepted.pk).status == Status.RESOLVED


def test_worker_escalates_and_street_can_respond(client, accepted, worker, street_officer):
    client.force_login(worker)
    assert post_action(client, accepted, "escalate", {"reason": ""}).status_code == 400
    assert post_action(client, accepted, "escalate", {"reason": "涉及多部门，需街道协调"}).status_code == 302
    accepted.refresh_from_db()
    assert accepted.escalated_at is not None and accepted.escalation_reason == "涉及多部门，需街道协调"
    assert Notification.objects.filter(
        user=street_officer, subject__contains=accepted.tracking_number
    ).exists()
    client.force_login(street_officer)
    assert accepted in client.get(reverse("work_queue")).context["sections"]["street"]
    assert post_action(client, accepted, "respond", {"body": "街道已协调城管处理"}).status_code == 302
    assert accepted.responses.get().party == "street"


def test_refusals_and_notices_speak_chinese_by_default(client, accepted, community, settings):
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    client.force_login(make_member(community))
    response = post_action(client, accepted, "resolve", {"note": ""})
    assert response.status_code == 403
    assert "只有负责此诉求的一方或社区工作者才能标记为已解决。" in response.content.decode()
    notice = Notification.objects.filter(user=accepted.requester).latest("id")
    assert notice.subject == f"{accepted.tracking_number} 楼道灯坏了：受理"


def test_anonymous_actions_go_to_log_in_and_unknown_requests_404(client, submit):
    request = submit()
    for url in (
        request_url(request, "request_action", "accept"),
        request_url(request, "request_support", "support"),
    ):
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("request_detail", kwargs={"ref": "SQ-2026-999999"})).status_code == 404
    assert client.get(hall_url(request.community, "request_detail", request.pk)).status_code == 200
    assert Request.objects.get(pk=request.pk).status == Status.SUBMITTED
