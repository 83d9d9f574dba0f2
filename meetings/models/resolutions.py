"""Resolutions (决议) of passed motions, their public notice and follow-up actions (落实事项)."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .convening import Meeting, Party
from .live import Motion

__all__ = ["Action", "ActionProgress", "Resolution"]


class Resolution(models.Model):
    """决议: a passed motion of a meeting, or the result of an owners' vote over a period, published
    with a public-notice (公示) period. Exactly one origin is set: ``motion`` with its ``meeting``,
    or ``owners_vote``."""

    motion = models.OneToOneField(
        Motion, null=True, blank=True, on_delete=models.PROTECT, related_name="resolution"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="resolutions"
    )
    owners_vote = models.OneToOneField(
        "meetings.OwnersVote", null=True, blank=True, on_delete=models.PROTECT, related_name="resolution"
    )
    community = models.ForeignKey("cms.CommunityPage", on_delete=models.CASCADE, related_name="resolutions")
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    result = models.JSONField(default=dict)
    published_at = models.DateTimeField(default=timezone.now)
    notice_days = models.PositiveSmallIntegerField(_("public notice (days)"), default=3)

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(motion__isnull=False, meeting__isnull=False, owners_vote__isnull=True)
                    | models.Q(motion__isnull=True, meeting__isnull=True, owners_vote__isnull=False)
                ),
                name="resolution_one_origin",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def tallies(self) -> list[tuple[str, dict]]:
        """``(question, tally)`` pairs for ``includes/tally.html``: a motion's one tally (no
        question: the resolution's text is the motion), or each question of an owners' vote."""
        if "questions" in (self.result or {}):
            return [(q.get("text", ""), q.get("tally", {})) for q in self.result["questions"]]
        return [("", self.result or {})]

    @property
    def notice_ends_at(self):
        return self.published_at + datetime.timedelta(days=self.notice_days)

    @property
    def in_notice(self) -> bool:
        return timezone.now() < self.notice_ends_at


class Action(models.Model):
    """落实事项: a follow-up of a resolution, owned by one of the four parties."""

    class Status(models.TextChoices):
        OPEN = "open", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=200)
    owner_party = models.CharField(_("responsible party"), max_length=20, choices=Party.choices)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["resolution_id", "due_date", "id"]

    def __str__(self):
        return self.title


class ActionProgress(models.Model):
    """A public progress note on an action; the action's status follows the latest note."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="progress")
    note = models.TextField(_("progress"))
    status = models.CharField(_("status"), max_length=20, choices=Action.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["action_id", "at", "id"]

    def __str__(self):
        return self.note[:60]
