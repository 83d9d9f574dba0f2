"""The outbox: one delivery per notice, person and channel, and the short links an SMS carries.

A notice is stored in the service's transaction (the inbox row, and a ``Delivery`` for each channel
the person can receive); a task worker sends each delivery after the commit and records what
happened, so a worker can see for every person whether a notice reached them.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeliveryQuerySet(models.QuerySet):
    def about(self, kind: str, pk) -> "DeliveryQuerySet":
        return self.filter(about=about_key(kind, pk))

    def unsuccessful(self) -> "DeliveryQuerySet":
        return self.filter(status__in=Delivery.UNSUCCESSFUL)


def about_key(kind: str, pk) -> str:
    """What a delivery is about, as ``meeting:12`` or ``request:34``: the pages that show delivery
    state find their deliveries by it (the outbox must not depend on the apps that use it)."""
    return f"{kind}:{pk}"


class Delivery(models.Model):
    """One notice on its way to one person by one channel."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Delivered")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Failed, gave up")

    UNSUCCESSFUL = (Status.FAILED, Status.GAVE_UP)

    #: Idempotency: the notice's key, the recipient and the channel. Storing the same delivery
    #: twice is a no-op, so a retried service never queues a second copy.
    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    notification = models.ForeignKey(
        "deliberation.Notification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    community = models.ForeignKey(
        "cms.CommunityPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    about = models.CharField(max_length=60, blank=True, db_index=True)
    #: Who it is for, in the terms of what it is about (``participant:5``, ``user:7``).
    recipient = models.CharField(max_length=60, blank=True)
    recipient_name = models.CharField(_("recipient"), max_length=100, blank=True)
    label = models.CharField(_("notice"), max_length=200)
    #: What to send: the rendered message, or the name of a renderer and its arguments for
    #: messages rendered by the worker (``deliberation.services.delivery.register_renderer``).
    payload = models.JSONField(default=dict)
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    #: Not before this time: SMS waits out the quiet hours.
    not_before = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="delivery_community_status"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self):
        return f"{self.label} → {self.address} ({self.get_channel_display()}: {self.get_status_display()})"

    @property
    def delivered(self) -> bool:
        return self.status == self.Status.SENT

    @property
    def unsuccessful(self) -> bool:
        return self.status in self.UNSUCCESSFUL

    @property
    def waits_until(self):
        """When a queued SMS waits for the quiet hours to end: the time it may go; else None."""
        if self.status == self.Status.QUEUED and self.not_before and self.not_before > timezone.now():
            return self.not_before
        return None

    @property
    def masked_address(self) -> str:
        return mask_address(self.address)

    @property
    def masked_name(self) -> str:
        """The recipient's name for the outbox: an account without a name is stored under its
        e-mail (``User.__str__``), which is masked like the address."""
        name = self.recipient_name.strip()
        return mask_address(name) if "@" in name else name

    @property
    def masked_error(self) -> str:
        """The last error with the address masked (mail servers often quote it)."""
        error = self.last_error
        if self.address:
            forms = (
                {self.address, self.address.removeprefix("+86")}
                if self.address.startswith("+86")
                else {self.address}
            )
            for form in sorted(forms, key=len, reverse=True):
                error = error.replace(form, self.masked_address)
        return error


def mask_address(address: str) -> str:
    """An address a worker recognises but cannot copy: ``138****8000``, ``a***@example.org``.

    The outbox lists every failed notice of a community; the full address stays on the pages whose
    rule allows it (the members page, a request's contact line)."""
    address = (address or "").strip()
    if "@" in address:
        local, _at, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    digits = address[3:] if address.startswith("+86") else address.lstrip("+")
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * len(digits)


def new_short_code() -> str:
    return secrets.token_urlsafe(7)


class ShortLink(models.Model):
    """A short, unguessable, expiring link for an SMS (providers cap a variable at ~35 characters).

    The code is 56 random bits: it cannot be guessed, so it may stand for a link that carries a
    signed token (an RSVP link) without shortening the signature away.
    """

    code = models.CharField(max_length=16, unique=True, default=new_short_code)
    url = models.CharField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"/s/{self.code} → {self.url}"
