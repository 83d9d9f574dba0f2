"""The community's four-party meetings as a Wagtail page: editors write its introduction.

Like the deliberation hall (``deliberation.models.pages``), the meetings index is a page below
the community (``/<street>/<community>/meetings/``) whose list and convening routes hand over to
the views in ``meetings.views.convening`` (imported when a route runs: the views import the
models). A meeting's own pages stay at ``/meetings/<id>/…`` (docs/meetings.md).
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from cms.models import RestrictionsInOneQuery

#: The slug a community's meetings page is created with (editors may rename it).
MEETINGS_SLUG = "meetings"


class MeetingIndexPage(RoutablePageMixin, RestrictionsInOneQuery, Page):
    """四方会议: one per community; lists its meetings, and convenes new ones."""

    intro = RichTextField(
        _("introduction"),
        blank=True,
        help_text=_("Shown above the meetings: what the four-party meeting is."),
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.CommunityPage"]
    subpage_types: list = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("four-party meetings page")

    @property
    def community_id(self) -> int:
        return self.get_parent().pk

    def _serve(self, request):
        from deliberation.selectors import remember_community

        from ..selectors import remember_meeting_index

        remember_meeting_index(request, self)
        remember_community(request, self.get_parent())

    @path("", name="meeting_list")
    def index(self, request):
        from ..views import convening as views

        self._serve(request)
        return views.meeting_list(request, community_id=self.community_id)

    @path("new/", name="meeting_create")
    def create(self, request):
        from ..views import convening as views

        self._serve(request)
        return views.meeting_create(request, community_id=self.community_id)
