"""长辈模式: the header's switch. A form post (works without JavaScript) back to the same page."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.middleware import set_elderly_cookie

from ..services.accounts import user_set_elderly_mode


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


@require_POST
def set_elderly_mode(request):
    """Turn the mode on ("1") or off ("0") for this browser, and on the account when signed in."""
    response = HttpResponseRedirect(_safe_next(request))
    value = request.POST.get("on", "")
    if value not in ("0", "1"):
        messages.error(request, _("The elderly mode switch did not say on or off. Please press it again."))
        return response
    on = value == "1"
    if request.user.is_authenticated:
        user_set_elderly_mode(user=request.user, on=on)
    set_elderly_cookie(response, on)
    if on:
        messages.success(request, _("Elderly mode is on: larger text and buttons."))
    else:
        messages.success(request, _("Elderly mode is off."))
    return response
