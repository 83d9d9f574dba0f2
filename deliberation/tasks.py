"""Background work for the task worker (``manage.py db_worker``): sending the outbox."""

from django_tasks import task

from .services.delivery import deliveries_fan_out, delivery_send


@task()
def send_delivery(delivery_id: int) -> str:
    """Send one delivery; safe to run twice (the service claims the row before it sends)."""
    return delivery_send(delivery_id=delivery_id)


@task()
def send_deliveries(delivery_ids: list[int]) -> int:
    """A notice to many people: one task per delivery, queued by the worker, not the request."""
    deliveries_fan_out(delivery_ids=delivery_ids)
    return len(delivery_ids)
