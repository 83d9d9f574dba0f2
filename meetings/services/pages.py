"""The meetings page each community has: created with the community, never twice (see
``deliberation.services.pages``; the data migration ``0010`` gave existing communities theirs)."""

from django.db import transaction
from django.utils.translation import gettext

from ..models import MeetingIndexPage
from ..models.pages import MEETINGS_SLUG


@transaction.atomic
def meeting_index_ensure(community) -> MeetingIndexPage:
    """The community's meetings page, created (published, no introduction) if it has none."""
    page = MeetingIndexPage.objects.child_of(community).first()
    if page is not None:
        return page
    taken = set(community.get_children().values_list("slug", flat=True))
    slug, n = MEETINGS_SLUG, 1
    while slug in taken:
        n += 1
        slug = f"{MEETINGS_SLUG}-{n}"
    page = MeetingIndexPage(title=gettext("Four-party meetings"), slug=slug)
    community.add_child(instance=page)
    return page
