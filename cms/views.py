"""The site's own views, and the one pattern the apps' views follow (``PermissionView``,
``ServiceActionView``, ``ServiceFormView``; see the note in docs/decisions.md)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy
from django.views import View
from django.views.generic import FormView
from rules.contrib.views import PermissionRequiredMixin

from .services import NotFound, ServiceError


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


# One pattern for the pages that check a permission and call a service.


class PermissionView(PermissionRequiredMixin, View):
    """A page behind a django-rules permission on one object, loaded once per request.

    ``get_object()`` loads what the URL names (a 404, also for an unpublished community, comes
    first); ``permission_required`` is asked about it with ``user.has_perm``. Anonymous visitors
    are sent to log in; signed-in people without the permission get the 403 page with
    ``permission_denied_message``, which says why. ``allow_anonymous`` lets an anonymous visitor
    through when the permission holds for them (public meetings and their resolutions). A method
    not in ``http_method_names`` is a 405 before anything is loaded.

    The object is ``self.object``; the view never loads it again.
    """

    permission_required = ()
    permission_denied_message = gettext_lazy("You do not have permission to do this.")
    allow_anonymous = False

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        """What the permission is asked about; ``None`` for a permission on no object."""
        return None

    def get_permission_object(self):
        if not hasattr(self, "object"):
            self.object = self.get_object()
        return self.object

    def has_permission(self):
        self.get_permission_object()
        if not (self.allow_anonymous or self.request.user.is_authenticated):
            return False
        return super().has_permission()


class ServiceMixin:
    """Call one service with a valid form and show its outcome.

    ``perform(form)`` calls the service and returns what it made; ``get_success_message(result)``
    (default ``success_message``) is flashed. A refusal (``ServiceError``) goes to ``refused``;
    ``NotFound`` (an id that names nothing in scope) is a 404.
    """

    success_message = ""

    def perform(self, form):
        raise NotImplementedError

    def run(self, form):
        try:
            result = self.perform(form)
        except NotFound:
            raise Http404 from None
        except ServiceError as error:
            return self.refused(error, form)
        message = self.get_success_message(result)
        if message:
            messages.success(self.request, message)
        return self.done(result)

    def get_success_message(self, result) -> str:
        return self.success_message

    def get_success_url(self) -> str:
        raise NotImplementedError

    def done(self, result):
        return HttpResponseRedirect(self.get_success_url())


class ServiceActionView(ServiceMixin, PermissionView):
    """A POST-only action: permission → form → service → message → redirect.

    ``form_class`` (optional) is bound to the POST; when it does not validate, ``invalid_message``
    (default: the form's first error) is shown. A refusal is shown as a message, or is a 403 that
    says why with ``refusal_forbidden``. Every outcome redirects to ``get_success_url()``.
    """

    http_method_names = ["post"]
    form_class = None
    invalid_message = ""
    refusal_forbidden = False

    def get_form_kwargs(self) -> dict:
        return {"data": self.request.POST, "files": self.request.FILES}

    def get_form(self):
        return None if self.form_class is None else self.form_class(**self.get_form_kwargs())

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form is not None and not form.is_valid():
            return self.form_invalid(form)
        return self.run(form)

    def form_invalid(self, form):
        messages.error(self.request, self.get_invalid_message(form))
        return HttpResponseRedirect(self.get_success_url())

    def get_invalid_message(self, form) -> str:
        return self.invalid_message or first_error(form)

    def refused(self, error, form):
        if self.refusal_forbidden:
            raise PermissionDenied(error.message)
        messages.error(self.request, error.message)
        return HttpResponseRedirect(self.get_success_url())


class ServiceFormView(ServiceMixin, PermissionView, FormView):
    """A form page: GET shows the form, POST validates it and calls the service.

    A form that does not validate is shown again with ``invalid_status``. A refusal about one of
    the form's fields (``ServiceError.field``) becomes that field's error; any other refusal a
    form-wide error, or a 403 that says why with ``refusal_forbidden``.
    """

    invalid_status = 200
    refusal_forbidden = False

    def form_valid(self, form):
        return self.run(form)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=self.invalid_status)

    def refused(self, error, form):
        if error.field and error.field in form.fields:
            form.add_error(error.field, error.message)
        elif self.refusal_forbidden:
            raise PermissionDenied(error.message)
        else:
            form.add_error(None, error.message)
        return self.form_invalid(form)


def first_error(form) -> str:
    """The first message of a form that did not validate, for a page that shows one line."""
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return gettext("Check the form.")


class HttpResponsePermanentRedirectKeepMethod(HttpResponsePermanentRedirect):
    status_code = 308


def moved_permanently(request, target: str):
    """An address that moved (the hall and the meetings list went below the page tree): 301 to
    ``target`` with the query string kept; a form posted to the old address gets a 308, which
    repeats the POST at the new one."""
    if request.META.get("QUERY_STRING"):
        target += "?" + request.META["QUERY_STRING"]
    if request.method in ("GET", "HEAD"):
        return HttpResponsePermanentRedirect(target)
    return HttpResponsePermanentRedirectKeepMethod(target)
