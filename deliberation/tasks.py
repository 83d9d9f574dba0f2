"""Background work for the task worker (``manage.py db_worker``): sending the outbox."""

from django_tasks import task

from .services.delivery import delivery_send


@task()
def send_delivery(delivery_id: int) -> str:
    """Send one delivery; safe to run twice (the service claims the row before it sends)."""
    return delivery_send(delivery_id=delivery_id)
