"""The hall's search index is written after a request's transaction commits, not inside it.

On PostgreSQL, Wagtail's database search backend follows every indexed save with an UPDATE of
each index entry whose title norm is 1.0 — with Chinese titles (one lexeme each) nearly every
entry of the city. Indexing inside a request's transaction therefore row-locked the whole index
until commit, and one worker accepting a request queued every other community's work. After
commit the update runs on its own and briefly, and a failure there (logged) never undoes the
request's change.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.search import index


def _index_after_commit(sender, instance, raw=False, **kwargs):
    if raw:
        return
    transaction.on_commit(lambda: index.insert_or_update_object(instance), robust=True)


def _unindex_after_commit(sender, instance, **kwargs):
    transaction.on_commit(lambda: index.remove_object(instance), robust=True)


def connect():
    from .models import Request

    post_save.connect(_index_after_commit, sender=Request, dispatch_uid="request-index-after-commit")
    post_delete.connect(_unindex_after_commit, sender=Request, dispatch_uid="request-unindex-after-commit")
