"""The deliberation hall as a Wagtail page: editors write its rules, notices and contacts.

Why a page: the design card says the Wagtail site *runs* the hall. As a page below the community
(``/<street>/<community>/hall/``) the hall gets drafts, revisions, preview and moderation for the
text editors write, and its URL follows the page tree. The requests are not pages: they are
records residents write through the services, so the hall's list, submit, detail and action
screens are ``RoutablePageMixin`` routes that hand over to the views in
``deliberation.views.hall`` (imported when a route runs: the views import the models).
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.fields import RichTextField
from wagtail.models import Page

from cms.converters import KEY_REGEX as KEY
from cms.models import RestrictionsInOneQuery

#: The slug a community's hall page is created with (editors may rename it; the URLs follow).
HALL_SLUG = "hall"

SUPPORT_ACTIONS = "support|withdraw"
#: A button of the request page: which ones exist is the view's ``ACTIONS`` (an unknown one is a 404).
TRANSITION_ACTIONS = r"[a-z_]+"


class HallPage(RoutablePageMixin, RestrictionsInOneQuery, Page):
    """议事厅: one per community. Its text is the editors'; its requests are the residents'."""

    rules = RichTextField(
        _("rules of procedure"),
        blank=True,
        help_text=_("议事规则: how requests are submitted, supported, handled and taken to the meeting."),
    )
    notices = RichTextField(_("notices"), blank=True, help_text=_("Shown above the requests."))
    contacts = RichTextField(
        _("contacts"), blank=True, help_text=_("Who residents can call or visit, and when.")
    )

    content_panels = Page.content_panels + [
        FieldPanel("notices"),
        FieldPanel("rules"),
        FieldPanel("contacts"),
    ]
    parent_page_types = ["cms.CommunityPage"]
    subpage_types: list = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("deliberation hall page")

    @property
    def community_id(self) -> int:
        """The community page above (treebeard caches the parent on the instance)."""
        return self.get_parent().pk

    def _serve(self, request):
        """Every route runs with this page remembered for the request, so the templates' URLs and
        the hall's text come from it (in a preview: the draft being previewed)."""
        from ..selectors import remember_community, remember_hall_page

        remember_hall_page(request, self)
        remember_community(request, self.get_parent())

    @path("", name="hall")
    def hall_index(self, request):
        from ..views import hall as views

        self._serve(request)
        return views.hall(request, community_id=self.community_id)

    @path("new/", name="request_new")
    def new(self, request):
        from ..views import hall as views

        self._serve(request)
        return views.request_new(request, community_id=self.community_id)

    @path("record/", name="request_record")
    def record(self, request):
        from ..views import hall as views

        self._serve(request)
        return views.request_record(request, community_id=self.community_id)

    def _own(self, ref):
        """A request's ref belongs to one community: under another community's hall it is a 404."""
        from ..selectors import request_community_id

        if request_community_id(ref) != self.community_id:
            raise Http404(_("No such request."))

    @re_path(rf"^requests/(?P<ref>{KEY})/$", name="request_detail")
    def detail(self, request, ref):
        from ..views import hall as views

        self._own(ref)
        self._serve(request)
        return views.request_detail(request, ref=ref)

    @re_path(rf"^requests/(?P<ref>{KEY})/(?P<action>{SUPPORT_ACTIONS})/$", name="request_support")
    def support(self, request, ref, action):
        from ..views import hall as views

        self._own(ref)
        self._serve(request)
        return views.request_support(request, ref=ref, action=action)

    @re_path(rf"^requests/(?P<ref>{KEY})/(?P<action>{TRANSITION_ACTIONS})/$", name="request_action")
    def action(self, request, ref, action):
        from ..views import hall as views

        self._own(ref)
        self._serve(request)
        return views.request_action(request, ref=ref, action=action)
