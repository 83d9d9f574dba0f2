"""The outbox seen from the site: the short links that SMS carry."""

from django.http import HttpResponseRedirect
from django.shortcuts import render

from ..services.delivery import short_link_target


def short_link(request, code: str):
    """``/s/<code>`` from an SMS: on to the page it stands for, or a page that says it expired."""
    target = short_link_target(code)
    if target is None:
        return render(request, "deliberation/short_link_expired.html", status=404)
    return HttpResponseRedirect(target)
