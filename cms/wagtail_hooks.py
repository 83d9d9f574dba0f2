from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from deliberation.models import Building, PropertyCompany


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
