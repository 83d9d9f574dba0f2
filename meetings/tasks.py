"""Background work for the task worker (``manage.py db_worker``): a meeting's notices."""

from django.db import transaction
from django_tasks import task

from .mail import notices_store


@task()
def store_meeting_notices(meeting_id: int, kind: str, key: str, participant_ids: list[int] | None) -> int:
    """Write each participant's inbox notice and deliveries, all or none (idempotent by key)."""
    with transaction.atomic():
        return notices_store(meeting_id=meeting_id, kind=kind, key=key, participant_ids=participant_ids)
