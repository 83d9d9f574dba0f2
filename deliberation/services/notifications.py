"""The in-site inbox, and the notice's deliveries by e-mail and SMS, in the recipient's language."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from ..models import Notification, User
from .delivery import Email, Recipient, Sms, deliver


def absolute_url(path: str) -> str:
    if not path or path.startswith("http"):
        return path
    return f"{settings.SITE_URL}{path}"


def render_text(template_name: str, context: dict) -> str:
    """Render a plain-text template as plain text: no HTML escaping.

    A notice is stored as the text the person will read; the inbox page escapes it once when it
    renders, and a mail is text. Escaping here too turned a name typed as ``<b>`` into ``&lt;b&gt;``.
    """
    return get_template(template_name).template.render(Context(context, autoescape=False))


def notify(
    *,
    user: User,
    template: str,
    context: dict,
    url: str = "",
    key: str = "",
    sms: Sms | None = None,
    about: str = "",
    community=None,
) -> Notification | None:
    """Store an inbox notice for ``user`` and its deliveries (e-mail, and SMS when ``sms`` is given
    and the person has a phone), sent by the task worker once the transaction commits.

    ``template`` names ``<template>_subject.txt`` and ``<template>_body.txt``. With a ``key`` the
    notice is idempotent: a second call with the same key for the same user does nothing and
    returns None, so retried commands never send the same notice twice.
    """
    with translation.override(user.language or settings.LANGUAGE_CODE):
        ctx = {**context, "user": user, "url": absolute_url(url)}
        subject = " ".join(render_text(f"{template}_subject.txt", ctx).split())
        body = render_text(f"{template}_body.txt", ctx).strip()
    try:
        with transaction.atomic():
            notice = Notification.objects.create(user=user, subject=subject, body=body, url=url, key=key)
    except IntegrityError:
        if key and Notification.objects.filter(user=user, key=key).exists():
            return None
        raise
    deliver(
        key=key or f"notice:{notice.pk}",
        recipient=Recipient.of_user(user),
        label=subject,
        email=Email(subject=subject, text=f"{body}\n\n{absolute_url(url)}".strip()),
        sms_message=sms,
        about=about,
        community=community,
        notification=notice,
    )
    return notice


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
