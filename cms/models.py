"""The page tree: portal → street office (街道) → community (社区) → news.

Communities are pages so that editors write their introduction and news in the Wagtail admin;
the deliberation hall (``deliberation.HallPage``) and the four-party meetings
(``meetings.MeetingIndexPage``) are pages below each community, whose routes serve their screens.
"""

import functools
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index


class ChildInOneQuery:
    """Route to a child page in one query instead of Wagtail's two.

    ``Page.route`` reads the child's row, then its specific page (``.specific``): two queries per
    level of the URL, eight for a hall route (``/<street>/<community>/hall/...``). Here the
    child's row comes joined to the tables of the page types allowed below this page, so the
    specific page is built from the same row, with every field. A child of another type (never
    made by the admin, which keeps to ``subpage_types``) is read as Wagtail reads it. What answers
    is exactly what ``Page.route`` answers: the same page, the same 404s, the same route below.
    """

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        links = _specific_links(type(self))
        try:
            child = self.get_children().filter(slug=path_components[0]).select_related(*links).get()
        except Page.DoesNotExist:
            raise Http404 from None
        joined = (getattr(child, link, None) for link in links)  # None where the join found no row
        specific = (
            next((page for page in joined if type(page) is child.specific_class), None) or child.specific
        )
        specific._cached_parent_obj = self  # treebeard's get_parent() answers without a query
        return specific.route(request, path_components[1:])


class RestrictionsInOneQuery:
    """Read a page's view restrictions (private pages, passwords) in one query instead of
    Wagtail's two.

    Before serving a page Wagtail asks ``get_view_restrictions``: it reads the page's ancestors,
    then the restrictions of the page and of each ancestor (of the page an alias stands for, in
    place of the alias). Here the ancestors are a subquery of the restrictions' query, by the
    paths the page's own path begins with: the same restrictions, one round trip.
    """

    def get_view_restrictions(self):
        if not self.path:  # not in the tree (yet): as Wagtail reads it
            return super().get_view_restrictions()
        ancestors = Page.objects.filter(
            path__in=[self.path[:end] for end in range(self.steplen, len(self.path), self.steplen)]
        )
        return PageViewRestriction.objects.filter(
            Q(page_id=self.alias_of_id or self.pk)
            | Q(page__in=ancestors.filter(alias_of__isnull=True))
            | Q(page__in=ancestors.filter(alias_of__isnull=False).values("alias_of"))
        )


@functools.cache
def _specific_links(page_class) -> list[str]:
    """The names of the one-to-one links from ``Page`` to the page types allowed below
    ``page_class`` (those that extend ``Page`` itself: a deeper type is read as Wagtail reads it)."""
    return [
        model._meta.model_name for model in page_class.allowed_subpage_models() if Page in model._meta.parents
    ]


class HomePage(ChildInOneQuery, RestrictionsInOneQuery, Page):
    """The district or city portal: lists its street offices and their communities."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["cms.StreetOfficePage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("portal home page")

    #: Up to this many communities the home page lists them all under their street offices; a
    #: city lists its street offices, a page at a time, and finds a community by its name.
    LIST_ALL_UP_TO = 30
    STREETS_PER_PAGE = 20

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Every street office is a child of the one home page (``max_count``, ``parent_page_types``)
        # and every community its grandchild: no test of the tree's paths, which would read every
        # page of a city's tree (three per community) on each visit.
        streets = StreetOfficePage.objects.live().order_by("path")
        communities = CommunityPage.objects.live().select_related("property_company")
        name = request.GET.get("community", "").strip()[:50]
        if name:
            context["community_query"] = name
            context["community_query_string"] = urlencode({"community": name})
            context["found"] = list(communities.filter(title__icontains=name).order_by("title")[:20])
        if communities.values("pk")[: self.LIST_ALL_UP_TO + 1].count() <= self.LIST_ALL_UP_TO:
            by_street: dict[str, list] = {}
            for community in communities.order_by("path"):
                by_street.setdefault(community.path[: -Page.steplen], []).append(community)
            context["streets"] = [(street, by_street.get(street.path, [])) for street in streets]
        else:
            page = Paginator(streets, self.STREETS_PER_PAGE).get_page(request.GET.get("page"))
            context["street_page"] = page
            context["streets"] = [(street, None) for street in page]
        return context


class StreetOfficePage(ChildInOneQuery, RestrictionsInOneQuery, Page):
    """街道办事处: its officers see escalations and statistics across its communities."""

    intro = RichTextField(_("introduction"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("address"), FieldPanel("phone")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CommunityPage"]

    class Meta:
        verbose_name = _("street office page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["communities"] = (
            CommunityPage.objects.live().child_of(self).select_related("property_company")
        )
        return context

    def communities(self):
        return CommunityPage.objects.child_of(self)


class CommunityPage(ChildInOneQuery, RestrictionsInOneQuery, Page):
    """社区: owns members, households, requests and meetings."""

    area = models.CharField(
        _("area"), max_length=120, blank=True, help_text=_("District and neighbourhood, e.g. 赛罕区大学西路")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("service phone"), max_length=30, blank=True)
    intro = RichTextField(_("introduction"), blank=True)
    property_company = models.ForeignKey(
        "deliberation.PropertyCompany",
        verbose_name=_("property company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="communities",
    )
    support_threshold = models.PositiveIntegerField(
        _("support threshold"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100000)],
        help_text=_("Supports after which a request is proposed for the four-party meeting."),
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("area"), FieldPanel("address"), FieldPanel("phone")], heading=_("Where")),
        FieldPanel("intro"),
        FieldPanel("property_company"),
        FieldPanel("support_threshold"),
    ]
    search_fields = Page.search_fields + [index.SearchField("area"), index.SearchField("intro")]
    parent_page_types = ["cms.StreetOfficePage"]
    # Named as strings: ``cms`` imports neither app. Each app gives a new community its page
    # (its ``wagtail_hooks`` in the admin, its ``services.pages`` in code).
    subpage_types = ["cms.NewsPage", "deliberation.HallPage", "meetings.MeetingIndexPage"]

    class Meta:
        verbose_name = _("community page")

    @property
    def street_office(self):
        return StreetOfficePage.objects.parent_of(self).first()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["news"] = NewsPage.objects.live().child_of(self).order_by("-first_published_at")[:5]
        return context


class NewsPage(RestrictionsInOneQuery, Page):
    """A community notice or news item."""

    date = models.DateField(_("date"))
    body = RichTextField(_("body"))

    content_panels = Page.content_panels + [FieldPanel("date"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["cms.CommunityPage"]
    subpage_types: list = []

    class Meta:
        verbose_name = _("news page")
