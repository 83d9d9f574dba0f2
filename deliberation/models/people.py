"""People and places: accounts, property companies, buildings, households, memberships.

A community itself is a Wagtail page (cms.CommunityPage) so editors can write about it; everything
a worker manages day to day lives here as plain models.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    REPRESENTATIVE = "representative", _("Resident representative")
    COMMITTEE = "committee", _("Owners' committee member")
    PROPERTY = "property", _("Property company staff")
    WORKER = "worker", _("Community worker")
    STREET = "street", _("Street officer")


#: Roles a community worker may give inside a community membership.
COMMUNITY_ROLES = (Role.RESIDENT, Role.REPRESENTATIVE, Role.COMMITTEE, Role.WORKER)


class Tenure(models.TextChoices):
    OWNER = "owner", _("Owner")
    TENANT = "tenant", _("Tenant")
    FAMILY = "family", _("Family member of the owner")


class EmailOnlyUserManager(UserManager):
    """Accounts are found by email; the username is an internal handle derived from it."""

    def _create_user(self, username, email, password, **extra_fields):
        username = username or (email or "").lower()
        return super()._create_user(username, email, password, **extra_fields)

    def create_user(self, username=None, email=None, password=None, **extra_fields):
        return super().create_user(username, email, password, **extra_fields)

    def create_superuser(self, username=None, email=None, password=None, **extra_fields):
        return super().create_superuser(username, email, password, **extra_fields)


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class User(AbstractUser):
    """A person with an account. Their roles come from memberships, a company or a street office."""

    display_name = models.CharField(_("name"), max_length=60, blank=True)
    #: Written through ``deliberation.phones.normalize_phone`` (E.164), like every phone below.
    phone = PhoneNumberField(_("phone"), blank=True, region="CN")
    #: Whether ``phone`` is a login: None, a contact number only (typed on the profile or by a
    #: worker); False, given at sign-up or as a new login number and waiting for its SMS code;
    #: True, proven by the code. Only a proven number logs in, and one account at most holds it.
    phone_verified = models.BooleanField(_("phone verified"), null=True, default=None)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    property_company = models.ForeignKey(
        "deliberation.PropertyCompany",
        verbose_name=_("property company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    street_office = models.ForeignKey(
        "cms.StreetOfficePage",
        verbose_name=_("street office"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="officers",
    )
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    #: The channels a person chose for notices; the inbox always has them. A channel is used only
    #: when the person also has its address (a person with only a phone gets SMS).
    notify_email = models.BooleanField(_("notices by e-mail"), default=True)
    notify_sms = models.BooleanField(_("notices by SMS"), default=True)
    #: 长辈模式: larger text, bigger targets, nothing that moves (``cms.middleware.ElderlyModeMiddleware``).
    elderly_mode = models.BooleanField(_("elderly mode"), default=False)

    objects = EmailOnlyUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(phone_verified=True),
                name="one_account_per_verified_phone",
            )
        ]

    def __str__(self):
        return self.display_name or self.email or self.username

    @property
    def name(self) -> str:
        return str(self)


class PropertyCompany(models.Model):
    """物业服务企业: serves one or more communities; its staff answer requests assigned to it."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    contact_phone = PhoneNumberField(_("contact phone"), blank=True, region="CN")
    contact_email = models.EmailField(_("contact email"), blank=True)

    class Meta:
        verbose_name = _("property company")
        verbose_name_plural = _("property companies")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Building(models.Model):
    """A building of a community. The roster import only accepts buildings listed here."""

    community = models.ForeignKey("cms.CommunityPage", on_delete=models.CASCADE, related_name="buildings")
    name = models.CharField(_("building"), max_length=40)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="building_unique_name")]

    def __str__(self):
        return self.name


class HouseholdQuerySet(models.QuerySet):
    def for_community(self, community):
        return self.filter(building__community=community)


class Household(models.Model):
    """房屋 / 户: one room, with its exclusive floor area for owners' votes."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="households")
    unit = models.CharField(_("unit"), max_length=20)
    room = models.CharField(_("room"), max_length=20)
    area = models.DecimalField(
        _("exclusive floor area (m²)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["building__name", "unit", "room"]
        constraints = [
            models.UniqueConstraint(fields=["building", "unit", "room"], name="household_unique_room"),
            models.CheckConstraint(condition=models.Q(area__gt=0), name="household_area_positive"),
        ]

    def __str__(self):
        return f"{self.building.name}-{self.unit}-{self.room}"

    @property
    def community(self):
        return self.building.community


class OwnerQuerySet(models.QuerySet):
    def for_community(self, community):
        """The owners on ``community``'s roster (a page, or its id)."""
        return self.filter(household__building__community=community)


class Owner(models.Model):
    """An owner on the roster. Co-owners of one household share its single art. 278 ballot.

    ``user`` is the account a community worker confirmed as this owner (``services/owners.py``);
    only then can the person cast the owner's ballot themselves. Each link and unlink is also a
    ``RoleEvent``, so the history survives a later unlink.
    """

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="owners")
    name = models.CharField(_("name"), max_length=60)
    phone = PhoneNumberField(_("phone"), blank=True, region="CN")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="ownerships"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)

    objects = OwnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "name"], name="owner_unique_per_household"),
            # One person is at most one of a household's co-owners.
            models.UniqueConstraint(
                fields=["household", "user"],
                condition=models.Q(user__isnull=False),
                name="owner_one_link_per_household",
            ),
        ]

    def __str__(self):
        return self.name


class MembershipQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Membership.Status.APPROVED)

    def pending(self):
        return self.filter(status=Membership.Status.PENDING)

    def for_community(self, community):
        return self.filter(community=community)


class Membership(models.Model):
    """A user's place in a community. Only an approved membership makes a verified resident."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending verification")
        APPROVED = "approved", _("Verified")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    community = models.ForeignKey("cms.CommunityPage", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships"
    )
    claimed_building = models.CharField(_("building"), max_length=40, blank=True)
    claimed_unit = models.CharField(_("unit"), max_length=20, blank=True)
    claimed_room = models.CharField(_("room"), max_length=20, blank=True)
    tenure = models.CharField(_("owner or tenant"), max_length=10, choices=Tenure.choices, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField(_("reason"), max_length=300, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(fields=["user", "community"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} @ {self.community}"

    @property
    def claimed_address(self) -> str:
        return "-".join(p for p in (self.claimed_building, self.claimed_unit, self.claimed_room) if p)


class RoleEvent(models.Model):
    """Audit trail of verifications and role changes: who did what to whom, and when."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("asked to join")
        APPROVED = "approved", _("verified")
        REJECTED = "rejected", _("rejected")
        ROLE_CHANGED = "role_changed", _("role changed")
        COMPANY_SET = "company_set", _("property company set")
        STREET_SET = "street_set", _("street office set")
        OWNER_LINKED = "owner_linked", _("linked to a roster owner")
        OWNER_UNLINKED = "owner_unlinked", _("unlinked from a roster owner")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_events")
    community = models.ForeignKey("cms.CommunityPage", null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    old_value = models.CharField(max_length=120, blank=True)
    new_value = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role event")
        verbose_name_plural = _("role events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.user}: {self.kind}"


class Notification(models.Model):
    """The in-site inbox. Mail is sent alongside; the inbox is what the header counts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    key = models.CharField(
        max_length=120,
        blank=True,
        help_text="Idempotency key: the same notice is never stored twice for one user.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~models.Q(key=""), name="notification_unique_key"
            )
        ]

    def __str__(self):
        return self.subject
