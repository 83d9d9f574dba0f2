"""The hall page each community has: created with the community, never twice.

Called where communities are made: the Wagtail admin (``wagtail_hooks``: after a community page is
created or copied), the demo, the tests' factories; the data migration ``0011`` gave the
communities that existed before their page.
"""

from django.db import transaction
from django.utils.translation import gettext

from ..models import HallPage
from ..models.pages import HALL_SLUG


@transaction.atomic
def hall_page_ensure(community) -> HallPage:
    """The community's hall page, created (published, empty text) if it has none."""
    page = HallPage.objects.child_of(community).first()
    if page is not None:
        return page
    page = HallPage(title=gettext("Deliberation hall"), slug=_free_slug(community))
    community.add_child(instance=page)
    return page


def _free_slug(community) -> str:
    taken = set(community.get_children().values_list("slug", flat=True))
    slug, n = HALL_SLUG, 1
    while slug in taken:
        n += 1
        slug = f"{HALL_SLUG}-{n}"
    return slug
