"""What every meetings page shares: loading the object a URL names (404 for an unpublished
community, but to its workers), the permission check that lets public meetings be read without
an account, and running a service with its refusal shown on the page."""

from functools import wraps

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from cms.services import ServiceError
from deliberation.permissions import permission_required, require_reachable

from ..models import Action, Meeting, Resolution
from ..services import NotFound


def meeting_from_url(request, meeting_id, **_kwargs):
    return require_reachable(
        request.user,
        get_object_or_404(Meeting.objects.select_related("community", "convener"), pk=meeting_id),
    )


def resolution_from_url(request, resolution_id, **_kwargs):
    return require_reachable(
        request.user,
        get_object_or_404(
            Resolution.objects.select_related("meeting", "community", "motion"), pk=resolution_id
        ),
    )


def action_resolution_from_url(request, action_id, **_kwargs):
    """The resolution an action belongs to (the permission object); the action is kept on
    ``request.action``."""
    action = get_object_or_404(
        Action.objects.select_related("resolution__meeting", "resolution__community"), pk=action_id
    )
    request.action = action
    return require_reachable(request.user, action.resolution)


def members_only():
    return _("This meeting is for members of the community only.")


def not_public():
    return _("This meeting is only open to its participants and the community's members.")


def public_or_login(perm, get_object, message):
    """Public meetings and their resolutions are readable without an account; otherwise anonymous
    visitors log in and others get a 403 with ``message()``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            obj = get_object(request, **kwargs)
            if not request.user.has_perm(perm, obj):
                return permission_required(perm, lambda request, **kw: obj, message=message)(view)(
                    request, *args, **kwargs
                )
            request.permission_object = obj
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def run_service(request, func, **kwargs) -> bool:
    """Call the service the socket calls, with the same arguments; an id that names nothing in
    this meeting is a 404, any other refusal a message on the page."""
    try:
        func(**kwargs)
    except NotFound:
        raise Http404 from None
    except ServiceError as error:
        messages.error(request, error.message)
        return False
    return True
