"""The one pattern of the apps' views (``cms.views``): who is let in, what a refusal looks like.

Small views on a made-up object, behind a permission registered for the test, served by the
site's own URLs (its 403 page, its login URL) with a few routes of their own in front.
"""

import json

import pytest
import rules
from django import forms
from django.contrib.messages import get_messages
from django.http import Http404, HttpResponse
from django.urls import include, path

from cms.services import NotFound, ServiceError
from cms.views import PermissionView, ServiceActionView, ServiceFormView

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PERM = "pattern_test.use_thing"
REASON = "Only friends of the thing may use it."
LOADS = []


class Thing:
    def __init__(self, pk, friends=(), public=False):
        self.pk, self.friends, self.public = pk, set(friends), public


THINGS = {}


@rules.predicate
def is_friend(user, thing):
    return thing is not None and (thing.public or user.username in thing.friends)


def load_thing(thing_id):
    LOADS.append(thing_id)
    if thing_id not in THINGS:
        raise Http404
    return THINGS[thing_id]


class ThingMixin:
    def get_object(self):
        return load_thing(self.kwargs["thing_id"])


class ThingPage(ThingMixin, PermissionView):
    permission_required = PERM
    permission_denied_message = REASON

    def get(self, request, thing_id):
        assert self.get_permission_object() is self.object
        return HttpResponse(f"thing {self.object.pk}")


class PublicThingPage(ThingPage):
    allow_anonymous = True


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


def service(name):
    if name == "taken":
        raise ServiceError("That name is taken.", field="name")
    if name == "refused":
        raise ServiceError("Not now.")
    if name == "elsewhere":
        raise NotFound("No such name here.")
    return name.upper()


class ThingAction(ThingMixin, ServiceActionView):
    permission_required = PERM
    permission_denied_message = REASON
    form_class = NameForm
    invalid_message = "Give a name."

    def perform(self, form):
        return service(form.cleaned_data["name"])

    def get_success_message(self, result):
        return f"Named {result}."

    def get_success_url(self):
        return f"/pattern/{self.object.pk}/"


class ForbiddingThingAction(ThingAction):
    refusal_forbidden = True


class ThingForm(ThingMixin, ServiceFormView):
    permission_required = PERM
    form_class = NameForm
    success_message = "Saved."
    invalid_status = 400

    def perform(self, form):
        return service(form.cleaned_data["name"])

    def get_success_url(self):
        return f"/pattern/{self.object.pk}/"

    def render_to_response(self, context, **kwargs):
        form = context["form"]
        return HttpResponse(json.dumps(form.errors if form.is_bound else {}), **kwargs)


class ForbiddingThingForm(ThingForm):
    refusal_forbidden = True


urlpatterns = [
    path("pattern/<int:thing_id>/", ThingPage.as_view()),
    path("pattern/<int:thing_id>/public/", PublicThingPage.as_view()),
    path("pattern/<int:thing_id>/name/", ThingAction.as_view()),
    path("pattern/<int:thing_id>/name-or-403/", ForbiddingThingAction.as_view()),
    path("pattern/<int:thing_id>/form/", ThingForm.as_view()),
    path("pattern/<int:thing_id>/form-or-403/", ForbiddingThingForm.as_view()),
    path("", include("cms.urls")),
]
handler403 = "cms.views.permission_denied"


@pytest.fixture(autouse=True)
def things():
    rules.add_perm(PERM, is_friend)
    THINGS.update({1: Thing(1, friends={"friend"}), 2: Thing(2, public=True)})
    LOADS.clear()
    yield
    rules.remove_perm(PERM)
    THINGS.clear()


@pytest.fixture
def friend(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="friend", password="x"))
    return client


@pytest.fixture
def stranger(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="stranger", password="x"))
    return client


def flashed(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_permitted_page_loads_its_object_once(friend):
    response = friend.get("/pattern/1/")
    assert response.status_code == 200
    assert response.content == b"thing 1"
    assert LOADS == [1]


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/pattern/1/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/pattern/1/")


def test_anonymous_visitor_logs_in_even_where_the_permission_would_hold(client):
    """Without ``allow_anonymous`` a page is for accounts only, as ``permission_required`` was."""
    response = client.get("/pattern/2/")
    assert response.status_code == 302


def test_public_page_is_readable_without_an_account_and_others_log_in(client):
    assert client.get("/pattern/2/public/").status_code == 200
    response = client.get("/pattern/1/public/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_refused_person_gets_a_403_that_says_why(stranger):
    response = stranger.get("/pattern/1/")
    assert response.status_code == 403
    assert REASON in response.content.decode()
    assert LOADS == [1]


def test_missing_object_is_a_404_before_the_login_redirect(client):
    assert client.get("/pattern/9/").status_code == 404


def test_action_answers_405_to_get_before_loading_anything(friend, client):
    assert friend.get("/pattern/1/name/").status_code == 405
    assert client.get("/pattern/9/name/").status_code == 405
    assert LOADS == []


def test_action_calls_the_service_and_flashes_its_outcome(friend):
    response = friend.post("/pattern/1/name/", {"name": "ok"})
    assert response.status_code == 302
    assert response["Location"] == "/pattern/1/"
    assert flashed(response) == ["Named OK."]
    assert LOADS == [1]


def test_action_with_an_invalid_form_flashes_the_invalid_message(friend):
    response = friend.post("/pattern/1/name/", {"name": ""})
    assert response.status_code == 302
    assert flashed(response) == ["Give a name."]


def test_action_refusal_is_a_message_or_a_403(friend):
    response = friend.post("/pattern/1/name/", {"name": "refused"})
    assert response.status_code == 302
    assert flashed(response) == ["Not now."]
    response = friend.post("/pattern/1/name-or-403/", {"name": "refused"})
    assert response.status_code == 403
    assert "Not now." in response.content.decode()


def test_action_not_found_is_a_404(friend):
    assert friend.post("/pattern/1/name/", {"name": "elsewhere"}).status_code == 404


def test_action_refused_to_a_stranger_and_anonymous(stranger):
    response = stranger.post("/pattern/1/name/", {"name": "ok"})
    assert response.status_code == 403
    assert REASON in response.content.decode()
    stranger.logout()
    response = stranger.post("/pattern/1/name/", {"name": "ok"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_form_page_shows_the_form_and_saves(friend):
    assert friend.get("/pattern/1/form/").status_code == 200
    response = friend.post("/pattern/1/form/", {"name": "ok"})
    assert response.status_code == 302
    assert flashed(response) == ["Saved."]


def test_form_page_field_refusal_is_that_fields_error(friend):
    response = friend.post("/pattern/1/form/", {"name": "taken"})
    assert response.status_code == 400
    assert json.loads(response.content) == {"name": ["That name is taken."]}


def test_form_page_invalid_form_is_shown_again_with_its_status(friend):
    response = friend.post("/pattern/1/form/", {"name": "much too long a name"})
    assert response.status_code == 400
    assert list(json.loads(response.content)) == ["name"]


def test_form_page_other_refusal_is_a_form_error_or_a_403(friend):
    response = friend.post("/pattern/1/form/", {"name": "refused"})
    assert response.status_code == 400
    assert json.loads(response.content) == {"__all__": ["Not now."]}
    response = friend.post("/pattern/1/form-or-403/", {"name": "refused"})
    assert response.status_code == 403
    assert "Not now." in response.content.decode()
    response = friend.post("/pattern/1/form-or-403/", {"name": "taken"})
    assert response.status_code == 400


def test_form_page_not_found_is_a_404(friend):
    assert friend.post("/pattern/1/form/", {"name": "elsewhere"}).status_code == 404
