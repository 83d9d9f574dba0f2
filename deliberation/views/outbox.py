"""The outbox seen from the site: the short links that SMS carry, a community's notices that did
not arrive, and "send again"."""

from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cms.views import PermissionView, ServiceActionView

from ..models import Delivery
from ..selectors import outbox
from ..services.delivery import deliveries_retry, delivery_retry, short_link_target
from .people import CommunityMixin

PAGE_SIZE = 30
WORKERS_ONLY = gettext_lazy("Only the community's workers see its outbox and send notices again.")


def short_link(request, code: str):
    """``/s/<code>`` from an SMS: on to the page it stands for, or a page that says it expired."""
    target = short_link_target(code)
    if target is None:
        return render(request, "deliberation/short_link_expired.html", status=404)
    return HttpResponseRedirect(target)


def outbox_url(community_id) -> str:
    return reverse("outbox", kwargs={"community_id": community_id})


class Outbox(CommunityMixin, PermissionView):
    """The community's failed and given-up notices, the most recent failure first."""

    permission_required = "deliberation.view_outbox"
    permission_denied_message = WORKERS_ONLY

    def get(self, request, community_id):
        rows = outbox(community=self.community)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "deliberation/outbox.html",
            {
                "community": self.community,
                "page_obj": page,
                "can_retry": request.user.has_perm("deliberation.retry_delivery", self.community),
                "delivery_next": request.get_full_path(),
            },
        )


outbox_view = Outbox.as_view()


class NextMixin:
    """Back where the button was (``next``, if it is a path of this site), else the outbox."""

    def get_success_url(self) -> str:
        target = self.request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return target
        return self.default_url()


class DeliveryRetry(NextMixin, ServiceActionView):
    """ "Send again": one failed or given-up delivery is queued now."""

    permission_required = "deliberation.retry_delivery"
    permission_denied_message = WORKERS_ONLY

    def get_object(self):
        return get_object_or_404(Delivery.objects.select_related("community"), pk=self.kwargs["delivery_id"])

    def perform(self, form):
        return delivery_retry(delivery=self.object, by=self.request.user)

    def get_success_message(self, delivery) -> str:
        return _("“%(notice)s” is being sent again to %(name)s (%(channel)s).") % {
            "notice": delivery.label,
            "name": delivery.masked_name or delivery.masked_address,
            "channel": delivery.get_channel_display(),
        }

    def default_url(self) -> str:
        if self.object.community_id:
            return outbox_url(self.object.community_id)
        return reverse("work_queue")


delivery_retry_view = DeliveryRetry.as_view()


class OutboxRetryAll(NextMixin, CommunityMixin, ServiceActionView):
    """ "Send all again": every failed and given-up notice of the community."""

    permission_required = "deliberation.retry_delivery"
    permission_denied_message = WORKERS_ONLY

    def perform(self, form):
        return deliveries_retry(community=self.community, by=self.request.user)

    def get_success_message(self, count) -> str:
        if not count:
            return _("Nothing to send again.")
        return ngettext("%(n)d notice is being sent again.", "%(n)d notices are being sent again.", count) % {
            "n": count
        }

    def default_url(self) -> str:
        return outbox_url(self.community.pk)


outbox_retry_all = OutboxRetryAll.as_view()
