"""Editors keep the request categories (names in both languages, who handles them, how fast)."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Category


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "tag"
    menu_label = _("Request categories")
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["name_zh", "name_en", "default_party", "sla_days", "position"]
    ordering = ["position", "id"]


register_snippet(CategoryViewSet)
