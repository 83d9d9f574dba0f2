"""Open Graph and description tags: what a link says when it is forwarded into a WeChat group.

``base.html`` renders ``{% share_meta %}`` with the site's defaults (the Wagtail page's title and
search description where there is one). A page that people forward overrides the ``share_meta``
block with its own ``share`` dict (``title``, ``description``, ``type``) built by its app's
``sharing`` module, which says what the thing is without naming any person.
"""

from django import template
from django.templatetags.static import static
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from cms.text import one_line

register = template.Library()

#: The square picture shown next to a forwarded link (served by the site, never a CDN).
SHARE_IMAGE = "cms/img/share.png"
DESCRIPTION_CHARS = 120


@register.inclusion_tag("includes/share_meta.html", takes_context=True)
def share_meta(context, share=None):
    share = share or {}
    request = context.get("request")
    page = context.get("page")
    site_name = _("Community Deliberation Hall")
    title = share.get("title") or (
        getattr(page, "seo_title", "") or getattr(page, "title", "") if page is not None else ""
    )
    description = share.get("description") or (getattr(page, "search_description", "") if page else "")
    description = description or _(
        "Residents' requests, four-party meetings and resolutions of the community, in the open."
    )
    return {
        "site_name": site_name,
        "title": one_line(title) or site_name,
        "description": Truncator(one_line(description)).chars(DESCRIPTION_CHARS),
        "type": share.get("type") or "website",
        "url": request.build_absolute_uri(request.path) if request is not None else "",
        "image": request.build_absolute_uri(static(SHARE_IMAGE))
        if request is not None
        else static(SHARE_IMAGE),
    }
