"""Editors keep the request categories (names in both languages, who handles them, how fast),
the property companies and the buildings."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Building, Category, PropertyCompany


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
    list_display = ["name", "contact_phone", "contact_email"]
    search_fields = ["name"]


class BuildingViewSet(SnippetViewSet):
    model = Building
    icon = "list-ul"
    menu_label = _("Buildings")
    list_display = ["name", "community"]
    list_filter = ["community"]


register_snippet(PropertyCompanyViewSet)
register_snippet(BuildingViewSet)
