"""Owners' votes over a period (业主表决 by 书面征求意见): the decisions of art. 278 as owners'
assemblies really take them — announced days ahead, open for days or weeks, ballots from every
channel, one per household, sealed at the close. The rules are in ``services/owners_votes.py``;
the counting is ``voting.civil_code_278`` over ``voting.owner_weights``, as for a live motion.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .live import Choice


class OwnersVote(models.Model):
    """One written consultation of the owners: its matter(s), period, channels and documents."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ANNOUNCED = "announced", _("Announced")
        CLOSED = "closed", _("Closed")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        ONSITE = "onsite", _("On site")
        PAPER = "paper", _("Paper ballot")
        VIDEO = "video", _("Video")
        PROXY = "proxy", _("Written proxy")

    community = models.ForeignKey("cms.CommunityPage", on_delete=models.CASCADE, related_name="owners_votes")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what is decided"), max_length=5000, blank=True)
    request = models.ForeignKey(
        "deliberation.Request",
        verbose_name=_("from the request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owners_votes",
    )
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    notice_days = models.PositiveSmallIntegerField(_("announced at least (days) before"), default=15)
    channels = models.JSONField(_("ballot channels"), default=list)
    show_turnout_to_owners = models.BooleanField(_("owners see the turnout while it runs"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    announced_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    #: Per question, ``voting.Result.as_dict()`` with both measures; written once, at the close.
    result = models.JSONField(default=dict, blank=True)
    #: The last link of the hash chain over the ballots' histories (``owners_vote_close``).
    seal = models.CharField(max_length=64, blank=True)
    #: The result of the city's or province's owner e-voting platform, when the vote ran there too:
    #: its figures per question, its document, and whether it (not ours) is the binding one.
    official_result = models.JSONField(default=dict, blank=True)
    official_document = models.FileField(upload_to="owners-votes/official/%Y/%m/", blank=True)
    official_binding = models.BooleanField(_("the official platform's result is binding"), default=False)

    class Meta:
        verbose_name = _("owners' vote")
        verbose_name_plural = _("owners' votes")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="owners_vote_period"
            ),
        ]

    def __str__(self):
        return self.title

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.ANNOUNCED and self.opens_at <= now < self.closes_at


class VoteQuestion(models.Model):
    """One matter put to the owners; ``matter`` sets its thresholds (art. 278 para. 2)."""

    class Matter(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary matter (more than half)")
        MAJOR = "major", _("Major matter (at least three quarters)")

    vote = models.ForeignKey(OwnersVote, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("question"), max_length=500)
    matter = models.CharField(_("matter"), max_length=10, choices=Matter.choices, default=Matter.ORDINARY)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


class VoteDocument(models.Model):
    """What owners must be able to read before voting: the plan, the budget."""

    vote = models.ForeignKey(OwnersVote, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="owners-votes/documents/%Y/%m/")

    def __str__(self):
        return self.title


class OwnersBallot(models.Model):
    """A household's ballot: co-owners share it, as the law counts heads; a later one replaces it
    while the vote is open (``version`` rises), and each version stays in ``OwnersBallotChange``."""

    vote = models.ForeignKey(OwnersVote, on_delete=models.CASCADE, related_name="ballots")
    household = models.ForeignKey("deliberation.Household", on_delete=models.PROTECT, related_name="+")
    #: ``{"<question id>": "for" | "against" | "abstain"}``: one choice per question.
    choices = models.JSONField(default=dict)
    channel = models.CharField(_("channel"), max_length=10, choices=OwnersVote.Channel.choices)
    owner = models.ForeignKey(
        "deliberation.Owner", verbose_name=_("signed by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    proxy_holder = models.CharField(_("proxy holder"), max_length=60, blank=True)
    evidence = models.FileField(_("evidence"), upload_to="owners-votes/evidence/%Y/%m/", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cast_at = models.DateTimeField(_("cast at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("owners' ballot")
        verbose_name_plural = _("owners' ballots")
        constraints = [
            models.UniqueConstraint(fields=["vote", "household"], name="owners_ballot_one_per_household"),
        ]

    def __str__(self):
        return f"{self.household} ({self.get_channel_display()})"


class OwnersBallotChange(models.Model):
    """The audit trail: every version of every ballot, with its receipt's digest (the code itself is
    given to the owner once and not kept)."""

    ballot = models.ForeignKey(OwnersBallot, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    choices = models.JSONField(default=dict)
    channel = models.CharField(max_length=10, choices=OwnersVote.Channel.choices)
    owner = models.ForeignKey("deliberation.Owner", null=True, blank=True, on_delete=models.SET_NULL)
    proxy_holder = models.CharField(max_length=60, blank=True)
    evidence = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    receipt_digest = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["ballot_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "version"], name="owners_ballot_change_once"),
        ]

    def __str__(self):
        return f"{self.ballot} v{self.version}"


VALID_CHOICES = tuple(Choice.values)
