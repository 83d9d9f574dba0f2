"""Background work for the task worker (``manage.py db_worker``): meetings' and owners' votes' notices."""

from django.db import transaction
from django_tasks import task

from .mail import notices_store
from .services.owners_votes import owners_vote_tell_announced


@task()
def store_meeting_notices(meeting_id: int, kind: str, key: str, participant_ids: list[int] | None) -> int:
    """Write each participant's inbox notice and deliveries, all or none (idempotent by key)."""
    with transaction.atomic():
        return notices_store(meeting_id=meeting_id, kind=kind, key=key, participant_ids=participant_ids)


@task()
def tell_owners_of_vote(vote_id: int) -> int:
    """An owners' vote's announcement to every owner on the roster (idempotent per owner)."""
    with transaction.atomic():
        return owners_vote_tell_announced(vote_id=vote_id)
