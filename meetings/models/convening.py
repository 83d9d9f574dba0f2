"""四方会议: a meeting of a community, its participants by party, and its agenda."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from phonenumber_field.modelfields import PhoneNumberField

from deliberation.predicates import is_community_worker, is_street_officer_for, is_verified_member
from deliberation.selectors import owners_linked


class Party(models.TextChoices):
    """The four parties of a four-party meeting."""

    COMMITTEE = "committee", _("Owners' committee")
    PROPERTY = "property", _("Property company")
    RESIDENTS = "residents", _("Resident representatives")
    COMMUNITY = "community", _("Community staff")


class ParticipantRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    SECRETARY = "secretary", _("Secretary")
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")


class MeetingQuerySet(models.QuerySet):
    def for_community(self, community):
        return self.filter(community=community)

    def with_time(self):
        """Meetings that belong in a calendar: their time is fixed (cancelled ones stay, as cancelled)."""
        return self.filter(starts_at__isnull=False, ends_at__isnull=False).exclude(
            status__in=[Meeting.Status.DRAFT, Meeting.Status.POLLING]
        )

    def public(self):
        return self.filter(visibility=Meeting.Visibility.PUBLIC)

    def visible_to(self, user, community):
        """The one rule of who may see a meeting of ``community``, in which state (docs/permissions.md).

        The list pages filter with it and ``meetings.view_meeting`` / ``view_live`` /
        ``view_resolution`` ask it about one meeting, so a list never hides a page the person may
        open, nor shows one they may not:

        - the community's workers and site admins: every meeting, drafts included (they prepare them);
        - a participant with an account: the meetings they are invited to, drafts included;
        - verified members, the street's officers and owners on the roster: every meeting past the draft;
        - anyone else, signed in or not: public meetings past the draft.
        """
        qs = self.for_community(community)
        if not user.is_authenticated:
            return qs.public().exclude(status=Meeting.Status.DRAFT)
        if user.is_superuser or is_community_worker(user, community):
            return qs
        past_draft = ~models.Q(status=Meeting.Status.DRAFT)
        if is_verified_member(user, community) or is_street_officer_for(user, community):
            seen = past_draft
        else:
            # Owners on the roster vote on art. 278 motions; asked in the same query.
            owner = models.Exists(owners_linked(user, models.OuterRef("community_id")))
            seen = past_draft & (models.Q(visibility=Meeting.Visibility.PUBLIC) | models.Q(owner))
        invited = models.Q(pk__in=Participant.objects.filter(user=user).values("meeting_id"))
        return qs.filter(seen | invited)


class Meeting(models.Model):
    class Kind(models.TextChoices):
        FOUR_PARTY = "four_party", _("Four-party meeting")
        OWNERS_ASSEMBLY = "owners_assembly", _("Owners' assembly")
        HEARING = "hearing", _("Public hearing")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POLLING = "polling", _("Time poll open")
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        MEMBERS = "members", _("Members of the community only")

    # The states each change of a meeting may start from: the only place that lists them. The
    # services refuse any other state (``allows``) and the pages show a button only where allowed.
    TRANSITIONS = {
        # convening work: edit, participants, agenda, invitations, cancelling
        "change": frozenset({Status.DRAFT, Status.POLLING, Status.SCHEDULED}),
        "open_poll": frozenset({Status.DRAFT}),
        "fix_poll": frozenset({Status.POLLING}),
        "start": frozenset({Status.DRAFT, Status.POLLING, Status.SCHEDULED}),
        # before and during the meeting: self check-in, closing the minutes
        "prepare_live": frozenset({Status.DRAFT, Status.POLLING, Status.SCHEDULED, Status.IN_PROGRESS}),
        # during the meeting: minutes, attendance, motions, ballots
        "write_live": frozenset({Status.IN_PROGRESS}),
    }

    community = models.ForeignKey("cms.CommunityPage", on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FOUR_PARTY)
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="convened_meetings"
    )
    # iCalendar identity: the UID never changes; SEQUENCE rises on every change of time, place or status.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    description = models.TextField(_("description"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # The 24-hour reminder is sent once per start time; rescheduling clears it.
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title

    def allows(self, transition: str) -> bool:
        return self.status in self.TRANSITIONS[transition]

    @property
    def is_open_for_changes(self) -> bool:
        """Convening work (edits, participants, agenda) stops once the meeting has started or ended."""
        return self.allows("change")

    @property
    def location_text(self) -> str:
        return " · ".join(part for part in (self.place, self.online_url) if part)


class Participant(models.Model):
    """A person invited to a meeting: an account, or only a name and an email address."""

    class PartStat(models.TextChoices):
        NEEDS_ACTION = "NEEDS-ACTION", pgettext_lazy("RSVP", "Not answered")
        ACCEPTED = "ACCEPTED", pgettext_lazy("RSVP", "Accepted")
        TENTATIVE = "TENTATIVE", pgettext_lazy("RSVP", "Tentative")
        DECLINED = "DECLINED", pgettext_lazy("RSVP", "Declined")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participations",
    )
    name = models.CharField(_("name"), max_length=60)
    email = models.EmailField(_("email"), blank=True)
    #: For a person without an account: SMS reaches most residents, e-mail few.
    phone = PhoneNumberField(_("phone"), blank=True, region="CN")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    role = models.CharField(
        _("role"), max_length=20, choices=ParticipantRole.choices, default=ParticipantRole.MEMBER
    )
    votes = models.BooleanField(_("votes"), default=True)
    partstat = models.CharField(
        _("answer"), max_length=20, choices=PartStat.choices, default=PartStat.NEEDS_ACTION
    )
    answered_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["party", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=models.Q(user__isnull=False),
                name="participant_unique_user",
            ),
            models.UniqueConstraint(
                fields=["meeting", "email"], condition=~models.Q(email=""), name="participant_unique_email"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_party_display()})"

    @property
    def address(self) -> str:
        return self.email or (self.user.email if self.user_id else "")

    @property
    def mail_language(self) -> str:
        if self.user_id and self.user.language:
            return self.user.language
        return self.language or settings.LANGUAGE_CODE


def participant_for(meeting, user, *, among=None) -> "Participant | None":
    """The user's own Participant row in ``meeting`` (``None`` for anonymous visitors and people not
    invited). Every lookup of "my row" goes through here: the rules (memoised per request in
    ``meetings.predicates``), the views and the services. ``among``: the meeting's participants
    already read in their order (a page that lists them), looked through instead of asked again."""
    if meeting is None or user is None or not user.is_authenticated:
        return None
    if among is not None:
        return next((participant for participant in among if participant.user_id == user.pk), None)
    return Participant.objects.filter(meeting=meeting, user=user).first()


class AgendaItem(models.Model):
    """议题: a topic of the meeting, usually from one or more requests of the hall."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # The hall's requests this item discusses; linking puts them "on the agenda" (with a timeline event).
    requests = models.ManyToManyField(
        "deliberation.Request", blank=True, related_name="agenda_items", verbose_name=_("requests")
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting_id", "position", "id"]

    def __str__(self):
        return self.title


class TimeSlot(models.Model):
    """时间征询: one candidate time the convener proposes while the poll is open."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        verbose_name = _("candidate time")
        verbose_name_plural = _("candidate times")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
            models.UniqueConstraint(fields=["meeting", "starts_at", "ends_at"], name="slot_unique_time"),
        ]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M}"


class SlotAnswer(models.Model):
    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        MAYBE = "maybe", _("If need be")
        NO = "no", _("No")

    slot = models.ForeignKey(TimeSlot, on_delete=models.CASCADE, related_name="answers")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="slot_answers")
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices)
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availabilities")
        constraints = [models.UniqueConstraint(fields=["slot", "participant"], name="slot_answer_once")]

    def __str__(self):
        return f"{self.participant}: {self.answer}"
