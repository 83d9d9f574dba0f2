"""Editors keep the request categories (names in both languages, who handles them, how fast),
the property companies and the buildings."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.models import CommunityPage

from .forms.people import PropertyCompanyForm
from .models import Building, Category, PropertyCompany
from .phones import display_phone
from .services.pages import hall_page_ensure


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "tag"
    menu_label = _("Request categories")
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["name_zh", "name_en", "default_party", "sla_days", "position"]
    ordering = ["position", "id"]


register_snippet(CategoryViewSet)


class PropertyCompanyViewSet(SnippetViewSet):
    model = PropertyCompany
    icon = "home"
    menu_label = _("Property companies")
    list_display = [
        "name",
        Column("contact_phone", label=_("contact phone"), accessor=lambda c: display_phone(c.contact_phone)),
        "contact_email",
    ]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [FieldPanel("name"), FieldPanel("contact_phone"), FieldPanel("contact_email")],
        base_form_class=PropertyCompanyForm,
    )


class BuildingViewSet(SnippetViewSet):
    model = Building
    icon = "list-ul"
    menu_label = _("Buildings")
    list_display = ["name", "community"]
    list_filter = ["community"]


register_snippet(PropertyCompanyViewSet)
register_snippet(BuildingViewSet)


@hooks.register("after_create_page")
def give_a_new_community_its_hall(request, page):
    """A community created in the admin gets its deliberation hall page."""
    if isinstance(page.specific, CommunityPage):
        hall_page_ensure(page.specific)


@hooks.register("after_copy_page")
def give_a_copied_community_its_hall(request, page, new_page):
    """A community copied without its children gets a hall page too (with them it has one)."""
    if isinstance(new_page.specific, CommunityPage):
        hall_page_ensure(new_page.specific)
