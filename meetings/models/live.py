"""Live minutes, attendance, motions and ballots.

Everything a meeting produces while it runs is append-only: events get a per-meeting ``seq`` from
``LiveState.last_seq``; minute entries carry a hash chain; ballot changes keep an audit row. The
rules that write these rows live in ``meetings/services/minutes.py`` and ``motions.py``.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .convening import AgendaItem, Meeting, Participant, Party

__all__ = [
    "Attendance",
    "Ballot",
    "BallotChange",
    "Choice",
    "LiveEvent",
    "LiveState",
    "MinuteEntry",
    "Motion",
]


def new_checkin_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class LiveState(models.Model):
    """The running state of one meeting: its event counter, current agenda item and finalisation.

    Kept apart from ``Meeting`` so the convening side never contends for the row that every live
    write locks to take the next ``seq``.
    """

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, primary_key=True, related_name="live")
    last_seq = models.PositiveBigIntegerField(default=0)
    current_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checkin_code = models.CharField(_("check-in code"), max_length=12, default=new_checkin_code)
    started_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    # The hash of the last minute entry when the minutes were finalised ("" for empty minutes).
    final_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("live meeting state")
        verbose_name_plural = _("live meeting states")

    def __str__(self):
        return f"{self.meeting} #{self.last_seq}"

    @property
    def is_finalised(self) -> bool:
        return self.finalised_at is not None


class LiveEvent(models.Model):
    """One server event of the live protocol, stored before it is broadcast."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="live_events")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    # A client write's id, scoped to its sender (``actor``) and message type (``client_type``):
    # another client's id, or the same id on another kind of write, is another write.
    client_id = models.CharField(max_length=64, blank=True)
    client_type = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "seq"], name="liveevent_unique_seq"),
            models.UniqueConstraint(
                fields=["meeting", "actor", "client_type", "client_id"],
                condition=~models.Q(client_id="") & models.Q(actor__isnull=False),
                name="liveevent_unique_client_write",
            ),
        ]

    def __str__(self):
        return f"{self.meeting_id}#{self.seq} {self.kind}"

    def as_message(self) -> dict:
        return {
            "type": "event",
            "seq": self.seq,
            "kind": self.kind,
            "data": self.payload,
            "at": self.created_at.isoformat(),
        }


class Attendance(models.Model):
    """A participant checked in (by the secretary, or by themselves with the meeting's code)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attendances")
    checked_in_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["checked_in_at", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "participant"], name="attendance_unique")]

    def __str__(self):
        return f"{self.participant} @ {self.meeting}"


class MinuteEntry(models.Model):
    """纪要条目: one line of the minutes, chained to the previous one by its hash."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        STATEMENT = "statement", _("Statement")
        DECISION = "decision", _("Decision")
        ACTION = "action", _("Action item")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minute_entries")
    position = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NOTE)
    party = models.CharField(_("party"), max_length=20, choices=Party.choices, blank=True)
    text = models.TextField(_("text"))
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("minute entry")
        verbose_name_plural = _("minute entries")
        ordering = ["meeting_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="minuteentry_unique_position")
        ]

    def __str__(self):
        return self.text[:60]


class Choice(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class Motion(models.Model):
    """动议: a question put to the vote under a named rule."""

    class Rule(models.TextChoices):
        SIMPLE_MAJORITY = "simple_majority", _("Simple majority")
        FOUR_PARTY_CONSENSUS = "four_party_consensus", _("Four-party consensus")
        CIVIL_CODE_278 = "civil_code_278", _("Owners' vote (Civil Code art. 278)")

    class Matter(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary matter")
        MAJOR = "major", _("Major matter")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="motions")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="motions"
    )
    text = models.TextField(_("motion"))
    rule = models.CharField(_("rule"), max_length=30, choices=Rule.choices, default=Rule.SIMPLE_MAJORITY)
    matter = models.CharField(_("matter"), max_length=10, choices=Matter.choices, default=Matter.ORDINARY)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # Voting participants fixed when the motion opens (rules simple_majority and four_party_consensus).
    # Under civil_code_278 the eligible voters are the owners on the community's roster.
    eligible = models.ManyToManyField(Participant, blank=True, related_name="eligible_motions")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    # Coalesced tally broadcasts: ``ballot_version`` rises with every change, ``tally_version`` is
    # the version last broadcast; a flush sends one full tally only when they differ.
    ballot_version = models.PositiveIntegerField(default=0)
    tally_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering = ["meeting_id", "opened_at", "id"]

    def __str__(self):
        return self.text[:60]

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Ballot(models.Model):
    """表决票: one voter's current choice. A participant votes, or (art. 278) a household: one
    exclusive part has one ballot, which any of its co-owners casts (or a written proxy for one)."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="ballots")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="ballots"
    )
    household = models.ForeignKey(
        "deliberation.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_ballots",
    )
    # The roster owner the household's ballot was last cast by or for (a co-owner, a proxy giver).
    owner = models.ForeignKey(
        "deliberation.Owner", null=True, blank=True, on_delete=models.SET_NULL, related_name="meeting_ballots"
    )
    choice = models.CharField(_("choice"), max_length=10, choices=Choice.choices)
    # 书面委托: a written proxy recorded by the secretary; the holder is who carried it.
    proxy_holder = models.CharField(_("proxy holder"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["motion_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["motion", "participant"],
                condition=models.Q(participant__isnull=False),
                name="ballot_one_per_participant",
            ),
            models.UniqueConstraint(
                fields=["motion", "household"],
                condition=models.Q(household__isnull=False),
                name="ballot_one_per_household",
            ),
            models.CheckConstraint(
                condition=models.Q(participant__isnull=False, household__isnull=True, owner__isnull=True)
                | models.Q(participant__isnull=True, household__isnull=False),
                name="ballot_one_voter_kind",
            ),
        ]

    def __str__(self):
        return f"{self.motion_id}: {self.choice}"

    @property
    def is_proxy(self) -> bool:
        return bool(self.proxy_holder)


class BallotChange(models.Model):
    """Audit trail: every cast and every change of a ballot, with who recorded it."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="changes")
    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="ballot_changes")
    old_choice = models.CharField(max_length=10, choices=Choice.choices, blank=True)
    new_choice = models.CharField(max_length=10, choices=Choice.choices)
    proxy_holder = models.CharField(max_length=60, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # The client write's id, scoped to its sender (``by``), message type and motion.
    client_id = models.CharField(max_length=64, blank=True)
    client_type = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["motion_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["motion", "by", "client_type", "client_id"],
                condition=~models.Q(client_id="") & models.Q(by__isnull=False),
                name="ballotchange_unique_client_write",
            )
        ]

    def __str__(self):
        return f"{self.old_choice or '-'} → {self.new_choice}"
