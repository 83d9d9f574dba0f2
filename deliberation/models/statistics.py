"""The statistics' summary of each community (``services.statistics``): its figures by month of
submission, by status and by category, as sums that add up across communities, so a street's or
a city's statistics read a few rows per community instead of every request.

A summary is recomputed from the requests when it is read and no longer matches them: a request
was added or removed (``request_count``, ``request_mark``) or a timeline event was written since
(``event_mark``); every change of a request's state writes one (``services.requests.record_event``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CommunityFigures(models.Model):
    community = models.OneToOneField(
        "cms.CommunityPage", on_delete=models.CASCADE, primary_key=True, related_name="figures"
    )
    request_count = models.PositiveIntegerField(default=0)
    request_mark = models.PositiveBigIntegerField(default=0)  # the highest request id counted
    event_mark = models.PositiveBigIntegerField(default=0)  # the highest timeline event id when computed
    computed_at = models.DateTimeField(auto_now=True)
    # {"2026-03": {"total": 3, ..., "response_n": 2, "response_s": 7200.0, ...}, ...}
    months = models.JSONField(default=dict)
    statuses = models.JSONField(default=dict)  # {"submitted": 4, ...}
    categories = models.JSONField(default=dict)  # {"<category id>": 7, ...}

    class Meta:
        verbose_name = _("community statistics summary")
        verbose_name_plural = _("community statistics summaries")

    def __str__(self):
        return f"{self.community_id}: {self.request_count}"
