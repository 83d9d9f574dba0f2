"""Adding a page in a data migration, where historical models have no treebeard methods.

Used by the migrations that gave each existing community its hall page and its meetings page
(``deliberation`` 0012, ``meetings`` 0011). Code outside migrations uses ``parent.add_child``.
"""

import uuid

from django.utils import timezone

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's MP_Node defaults
STEPLEN = 4


def _step(n: int) -> str:
    digits = ""
    while n:
        n, r = divmod(n, len(ALPHABET))
        digits = ALPHABET[r] + digits
    return digits.rjust(STEPLEN, "0")


def add_child_page(apps, parent, app_label: str, model_name: str, *, slug: str, title: str):
    """Publish a new ``app_label.model_name`` page as ``parent``'s last child (the slug gets a
    number if a sibling has it), and return it; or return the one ``parent`` already has."""
    Page = apps.get_model("wagtailcore", "Page")
    Model = apps.get_model(app_label, model_name)
    ContentType = apps.get_model("contenttypes", "ContentType")
    children = Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
    existing = Model.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).first()
    if existing is not None:
        return existing
    taken = set(children.values_list("slug", flat=True))
    base, n = slug, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    last = children.order_by("-path").first()
    number = int(last.path[-STEPLEN:], len(ALPHABET)) + 1 if last else 1
    content_type, _created = ContentType.objects.get_or_create(app_label=app_label, model=model_name.lower())
    now = timezone.now()
    page = Model.objects.create(
        title=title,
        draft_title=title,
        slug=slug,
        content_type=content_type,
        path=parent.path + _step(number),
        depth=parent.depth + 1,
        numchild=0,
        url_path=f"{parent.url_path}{slug}/",
        live=True,
        has_unpublished_changes=False,
        first_published_at=now,
        last_published_at=now,
        locale_id=parent.locale_id,
        translation_key=uuid.uuid4(),
    )
    Page.objects.filter(pk=parent.pk).update(numchild=children.count())
    return page
