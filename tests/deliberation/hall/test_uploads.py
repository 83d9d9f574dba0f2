"""Issue 9, item 16: photos are bounded by their decoded size, and a failed intake leaves no file."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from deliberation.models import Request, RequestPhoto
from deliberation.selectors import hall_url, request_url
from deliberation.services import requests as request_services

from .images import upload

pytestmark = pytest.mark.django_db


def png(name, size, mode="RGB"):
    out = io.BytesIO()
    Image.new(mode, size, 0).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file()) if media.exists() else []


@pytest.fixture
def submit_url(community):
    return hall_url(community, "request_new")


@pytest.fixture
def data(category):
    return {"title": "电梯坏了", "description": "5号楼电梯三天没修好", "category": category.pk}


def test_a_40_megapixel_png_is_refused_before_decoding(client, resident, submit_url, data, media, settings):
    """The file of issue 9: tiny on the wire, 40 MP in its header; refused with a form error."""
    bomb = png("bomb.png", (8000, 5000), mode="L")
    assert bomb.size < 200 * 1024
    client.force_login(resident)
    response = client.post(submit_url, {**data, "photos": [bomb]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "bomb.png is too large: 8000 × 5000 pixels. At most 12.6 megapixels" in page
    assert not Request.objects.exists() and stored_files(media) == []

    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    bomb.seek(0)
    page = client.post(submit_url, {**data, "photos": [bomb]}).content.decode()
    assert "bomb.png 太大了：8000 × 5000 像素。最多 12.6 百万像素" in page


def test_the_pixel_cap_follows_the_setting_and_is_halved_for_alpha_and_webp(
    client, resident, submit_url, data, settings, media
):
    settings.PHOTO_MAX_PIXELS = 5000
    client.force_login(resident)
    refused = {
        "wide.png": png("wide.png", (100, 51)),
        "alpha.png": png("alpha.png", (60, 60), mode="RGBA"),
        "photo.webp": upload("photo.webp", "WEBP", "image/webp", size=(60, 60)),
        "photo.jpg": upload("photo.jpg", size=(71, 71)),
    }
    for name, photo in refused.items():
        response = client.post(submit_url, {**data, "photos": [photo]})
        assert response.status_code == 400 and f"{name} is too large" in response.content.decode(), name
    assert not Request.objects.exists()

    accepted = [
        png("edge.png", (100, 50)),
        png("alpha.png", (50, 50), mode="RGBA"),
        upload("photo.webp", "WEBP", "image/webp", size=(50, 50)),
        upload("photo.jpg", size=(70, 70)),
    ]
    response = client.post(submit_url, {**data, "photos": accepted})
    assert response.status_code == 302
    assert RequestPhoto.objects.count() == 4 and len(stored_files(media)) == 4


def test_a_large_jpeg_is_stored_scaled_down(client, resident, submit_url, data, media):
    client.force_login(resident)
    response = client.post(submit_url, {**data, "photos": [upload("big.jpg", size=(4032, 3024), gps=False)]})
    assert response.status_code == 302
    photo = RequestPhoto.objects.get()
    assert (photo.width, photo.height) == (2048, 1536)


def test_photos_are_decoded_one_at_a_time(client, resident, submit_url, data, media, monkeypatch):
    """Each photo is stored before the next one is decoded, so only one is ever in memory."""
    events = []
    clean = request_services.clean_photo

    def spy(photo):
        events.append(("clean", RequestPhoto.objects.count()))
        return clean(photo)

    monkeypatch.setattr(request_services, "clean_photo", spy)
    client.force_login(resident)
    photos = [upload(f"{i}.jpg") for i in range(3)]
    assert client.post(submit_url, {**data, "photos": photos}).status_code == 302
    assert events == [("clean", 0), ("clean", 1), ("clean", 2)]


def test_a_refused_second_photo_leaves_no_file_of_the_first(client, resident, submit_url, data, media):
    client.force_login(resident)
    fake = SimpleUploadedFile("fake.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(submit_url, {**data, "photos": [upload("good.jpg"), fake]})
    assert (
        response.status_code == 400
        and "fake.jpg is not a JPEG, PNG or WebP image." in response.content.decode()
    )
    assert not Request.objects.exists() and not RequestPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_submit_failing_after_its_photos_were_stored_leaves_no_file(
    client, resident, submit_url, data, media, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(request_services, "tell", broken)
    client.raise_request_exception = False
    client.force_login(resident)
    response = client.post(
        submit_url, {**data, "photos": [upload("a.jpg"), upload("b.png", "PNG", "image/png")]}
    )
    assert response.status_code == 500
    assert not Request.objects.exists() and not RequestPhoto.objects.exists()
    assert stored_files(media) == []

    monkeypatch.undo()
    assert client.post(submit_url, {**data, "photos": [upload("a.jpg")]}).status_code == 302
    assert stored_files(media) == [RequestPhoto.objects.get().image.name.rsplit("/", 1)[-1]]


def test_a_failed_offline_record_and_response_leave_no_file(
    client, worker, submit, property_staff, community, category, media
):
    accepted_request = request_services.request_accept(request=submit(), by=worker)
    client.force_login(worker)
    fake = SimpleUploadedFile("fake.png", b"\x89PNG not really", content_type="image/png")
    response = client.post(
        hall_url(community, "request_record"),
        {
            "title": "漏水",
            "description": "楼顶漏水",
            "category": category.pk,
            "channel": "walk_in",
            "requester_name": "王阿姨",
            "photos": [upload("a.jpg"), fake],
        },
    )
    assert (
        response.status_code == 400
        and "fake.png is not a JPEG, PNG or WebP image." in response.content.decode()
    )
    client.force_login(property_staff)
    url = request_url(accepted_request, "request_action", "respond")
    response = client.post(url, {"respond-body": "已处理", "respond-photos": [upload("a.jpg"), fake]})
    assert response.status_code == 400
    assert not RequestPhoto.objects.exists() and stored_files(media) == []
