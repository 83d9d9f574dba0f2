"""One way for views to ask django-rules: anonymous people log in, others get a 403 that says why."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _


def require_perm(user, perm: str, obj=None, *, message: str | None = None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(message or _("You do not have permission to do this."))


def permission_required(perm: str, get_object, message=None):
    """Decorate a view taking URL kwargs; ``get_object(request, **kwargs)`` returns the object.

    The object is stored on ``request.permission_object`` so the view need not load it again.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            obj = get_object(request, **kwargs)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require_perm(request.user, perm, obj, message=message() if callable(message) else message)
            request.permission_object = obj
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require_reachable(user, obj):
    """``obj`` (a community, or anything of one) or a 404: an unpublished community's pages do not
    exist for the public, only for its workers and site admins (``deliberation.reach_community``)."""
    if not user.has_perm("deliberation.reach_community", obj):
        raise Http404(_("No such page."))
    return obj
