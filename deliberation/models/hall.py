"""The deliberation hall: requests (诉求), their categories, responses, photos and timeline.

Every change of a request goes through ``deliberation.services.requests``; the models only hold
the state and make it cheap to read. The timeline (``RequestEvent``) is append-only: a row is
never updated (a database trigger refuses it, ``cms/append_only.py``), so what happened to a
request can always be told again exactly.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from phonenumber_field.modelfields import PhoneNumberField
from vote.models import VoteModel
from wagtail.admin.panels import FieldPanel

from ..search import grams_of


class ResponsibleParty(models.TextChoices):
    PROPERTY = "property", _("Property company")
    COMMITTEE = "committee", _("Owners' committee")
    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street office")


class Category(models.Model):
    """类别: editors keep the list; each category says who usually handles it and how fast."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    default_party = models.CharField(
        _("default responsible party"),
        max_length=20,
        choices=ResponsibleParty.choices,
        default=ResponsibleParty.COMMUNITY,
    )
    sla_days = models.PositiveSmallIntegerField(
        _("time limit (days)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days from acceptance to the due date."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    panels = [
        FieldPanel("name_zh"),
        FieldPanel("name_en"),
        FieldPanel("default_party"),
        FieldPanel("sla_days"),
        FieldPanel("position"),
    ]

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        if (translation.get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    WALK_IN = "walk_in", _("Walk-in visit")
    PHONE = "phone", _("Phone call")
    HOTLINE = "hotline", _("Citizen hotline (12345)")
    SERVICE_POINT = "service_point", _("Mobile service point")


class RequestQuerySet(models.QuerySet):
    def for_community(self, community):
        return self.filter(community=community)

    def open(self):
        return self.filter(status__in=Request.OPEN_STATUSES)

    def overdue(self, today=None):
        """超期: the one meaning of "overdue" that the hall, the statistics and the urges share."""
        return self.filter(Request.overdue_condition(today))

    def for_company(self, company):
        return self.filter(assigned_company=company, responsible_party=ResponsibleParty.PROPERTY)

    def escalated(self):
        return self.filter(escalated_at__isnull=False)

    def for_list(self):
        """What a list row shows, in one query."""
        return self.select_related("category", "community", "requester")


class Request(VoteModel, models.Model):
    """诉求: a resident's request or grievance, handled in a closed loop until they are satisfied.

    ``num_vote_up`` (django-vote) is the support count; the author cannot support their own.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("request status", "Submitted")
        ACCEPTED = "accepted", pgettext_lazy("request status", "Accepted")
        REJECTED = "rejected", pgettext_lazy("request status", "Rejected")
        RESPONDED = "responded", pgettext_lazy("request status", "Responded")
        RESOLVED = "resolved", pgettext_lazy("request status", "Resolved")
        EVALUATED = "evaluated", pgettext_lazy("request status", "Evaluated")
        CLOSED = "closed", pgettext_lazy("request status", "Closed")
        ON_AGENDA = "on_agenda", pgettext_lazy("request status", "On a meeting agenda")
        RESOLVED_BY_MEETING = "resolved_by_meeting", pgettext_lazy("request status", "Resolved by a meeting")

    #: The transition table: every transition of a request and the states it may start from. It
    #: is the one place that lists source states. The services refuse a transition from any other
    #: state (``services.requests``), the permissions ``deliberation.<transition>_request`` compose
    #: it (``predicates.in_source_state``) and the request page's buttons ask those permissions.
    TRANSITIONS = {
        "accept": frozenset({Status.SUBMITTED}),
        "reject": frozenset({Status.SUBMITTED}),
        "respond": frozenset({Status.ACCEPTED, Status.RESPONDED, Status.ON_AGENDA}),
        "resolve": frozenset({Status.ACCEPTED, Status.RESPONDED, Status.ON_AGENDA}),
        "evaluate": frozenset({Status.RESOLVED, Status.RESOLVED_BY_MEETING}),
        # Not evaluated in time (services.deadlines): the same states the requester may evaluate in.
        "auto_close": frozenset({Status.RESOLVED, Status.RESOLVED_BY_MEETING}),
        "reopen": frozenset({Status.EVALUATED, Status.CLOSED}),
        "close": frozenset({Status.EVALUATED}),
        "escalate": frozenset({Status.SUBMITTED, Status.ACCEPTED, Status.RESPONDED, Status.ON_AGENDA}),
        # From the meetings app (their targets: on the agenda, back to where it was, resolved).
        "put_on_agenda": frozenset({Status.SUBMITTED, Status.ACCEPTED, Status.RESPONDED}),
        "take_off_agenda": frozenset({Status.ON_AGENDA}),
        "resolve_by_meeting": frozenset(
            {Status.SUBMITTED, Status.ACCEPTED, Status.RESPONDED, Status.ON_AGENDA}
        ),
    }
    #: The named groups below are read off the table, so they cannot drift from it.
    #: Open: not finished with, so it may still be escalated (and supported).
    OPEN_STATUSES = TRANSITIONS["escalate"]
    #: 办理中: accepted (or put on a meeting agenda) and not yet resolved, so the responsible party
    #: still owes work against the due date: exactly the states it may respond and resolve in. The
    #: one source of "overdue", reminders and urges.
    HANDLING_STATUSES = TRANSITIONS["resolve"]
    #: Statuses in which the requester may evaluate.
    EVALUABLE_STATUSES = TRANSITIONS["evaluate"]
    #: Marked resolved (by the responsible party or by a meeting) and not reopened since: waiting
    #: for the evaluation, or evaluated or closed (and so reopenable).
    RESOLVED_STATUSES = TRANSITIONS["evaluate"] | TRANSITIONS["reopen"]
    #: Statuses after which supports are frozen.
    SUPPORTABLE_STATUSES = OPEN_STATUSES

    tracking_number = models.CharField(
        _("tracking number"), max_length=20, unique=True, null=True, editable=False
    )
    # One per rendered submit form: posting the same form again (a double tap, a resend after a
    # timeout) finds this request instead of creating a second one.
    intake_token = models.UUIDField(_("intake token"), null=True, blank=True, unique=True, editable=False)
    community = models.ForeignKey("cms.CommunityPage", on_delete=models.CASCADE, related_name="requests")
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="requests"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=2000)
    location = models.CharField(_("location"), max_length=100, blank=True)
    show_name = models.BooleanField(_("show my name publicly"), default=False)

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.ONLINE)
    intake_place = models.CharField(_("place of intake"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Offline requesters without an account: private, shown to community staff only.
    requester_name = models.CharField(_("requester's name"), max_length=60, blank=True)
    requester_phone = PhoneNumberField(_("requester's phone"), blank=True, region="CN")

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    responsible_party = models.CharField(
        _("responsible party"), max_length=20, choices=ResponsibleParty.choices, blank=True
    )
    assigned_company = models.ForeignKey(
        "deliberation.PropertyCompany",
        verbose_name=_("property company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    proposed_at = models.DateTimeField(_("proposed for the four-party meeting"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_reason = models.CharField(_("escalation reason"), max_length=300, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("satisfaction"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    evaluation_comment = models.CharField(_("comment"), max_length=500, blank=True)
    # Deadline notices already sent for the current due date (reset when the due date changes).
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    urged_for = models.DateField(null=True, blank=True, editable=False)

    # The terms the hall's search finds it by (``deliberation.search``), kept by ``save``; on
    # PostgreSQL a GIN index reads them as a tsvector (migration 0019).
    search_grams = models.TextField(editable=False, blank=True, default="")

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["community", "-created_at"]),
            models.Index(fields=["status", "due_date"]),
            # The statistics' check that a community's summary is current (count and highest id,
            # read from the index alone) and their live overdue figure (the requests still being
            # handled: HANDLING_STATUSES, which a test holds equal to this condition).
            models.Index(fields=["community", "id"], name="request_community_id_pair"),
            models.Index(
                fields=["community", "due_date"],
                condition=models.Q(status__in=["accepted", "on_agenda", "responded"]),
                name="request_handling_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="request_rating_1_to_5",
            )
        ]

    def __str__(self):
        return f"{self.tracking_number} {self.title}"

    #: The fields the search terms are cut from.
    SEARCHED_FIELDS = frozenset({"title", "description", "location"})

    def save(self, *args, **kwargs):
        """Every save that writes the searched text writes its terms with it."""
        update_fields = kwargs.get("update_fields")
        if update_fields is None or self.SEARCHED_FIELDS & set(update_fields):
            self.search_grams = grams_of(self.title, self.description, self.location)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_grams"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from ..selectors import request_url  # the selectors read these models

        return request_url(self)

    @property
    def support_count(self) -> int:
        return self.num_vote_up

    def allows(self, transition: str) -> bool:
        """Whether ``transition`` may start from this request's current state (``TRANSITIONS``)."""
        return self.status in self.TRANSITIONS[transition]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @classmethod
    def overdue_condition(cls, today=None) -> models.Q:
        """Overdue on ``today`` (default: today in the site's time zone, Asia/Shanghai): the due
        date has passed and the request is still being handled. A request waiting for acceptance
        has no due date yet; a resolved, rejected or closed one owes nothing more."""
        return models.Q(status__in=cls.HANDLING_STATUSES, due_date__lt=today or timezone.localdate())

    def is_overdue_on(self, today) -> bool:
        """The instance form of ``overdue_condition``, for a row already in memory."""
        return self.status in self.HANDLING_STATUSES and self.due_date is not None and self.due_date < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def closed_without_evaluation(self) -> bool:
        return self.status == self.Status.CLOSED and self.rating is None


class Response(models.Model):
    """答复: an official answer by the responsible party. Never edited; a correction is a new one."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="responses")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    party = models.CharField(_("on behalf of"), max_length=20, choices=ResponsibleParty.choices)
    body = models.TextField(_("response"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.body[:40]


class RequestPhoto(models.Model):
    """A photo of a request or of a response, re-encoded on upload so no EXIF (GPS) survives."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="photos")
    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(upload_to="requests/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.image.name


class RequestEvent(models.Model):
    """One line of a request's timeline: who, when, what, why. Rows are only ever inserted: the
    database refuses updates (migration 0011, ``cms/append_only.py``)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        RECORDED = "recorded", _("recorded on the requester's behalf")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        RESPONDED = "responded", _("responded")
        RESOLVED = "resolved", _("marked resolved")
        EVALUATED = "evaluated", _("evaluated")
        REOPENED = "reopened", _("reopened")
        CLOSED = "closed", _("closed")
        AUTO_CLOSED = "auto_closed", _("closed without evaluation")
        ESCALATED = "escalated", _("escalated to the street office")
        PROPOSED = "proposed", _("proposed for the four-party meeting")
        REMINDED = "reminded", _("reminder: the due date is near")
        URGED = "urged", _("urge: overdue")
        ON_AGENDA = "on_agenda", _("put on a meeting agenda")
        OFF_AGENDA = "off_agenda", _("taken off a meeting agenda")
        RESOLVED_BY_MEETING = "resolved_by_meeting", _("resolved by a meeting")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # The stars of an ``evaluated`` event. A reopening clears ``Request.rating``, so the timeline
    # is what keeps every evaluation ever given countable for the statistics.
    rating = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["kind", "request"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True)
                | models.Q(kind="evaluated", rating__gte=1, rating__lte=5),
                name="request_event_rating_1_to_5_on_evaluations",
            )
        ]

    def __str__(self):
        return f"{self.request_id}: {self.kind}"
