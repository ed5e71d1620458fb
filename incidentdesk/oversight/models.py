"""The statistics summary behind the dashboards and the governing body's report.

Counting a million incidents on every dashboard view would slow as the table grows, so
the figures are kept in a summary: one row per organisation, month reported and
combination of the dimensions the dashboard breaks incidents down by, holding counts and
sums of durations. `services.refresh_statistics` recomputes one organisation-month from
its incidents (an indexed, small read) in the same transaction as the change that moved
a figure, so the summary is never out of step; `rebuild_statistics` recomputes all.
"""

from __future__ import annotations

from django.db import models

from incidentdesk.organisations.models import Organisation


class StatisticBucket(models.Model):
    """One organisation-month of the summary; its row is locked while it is recomputed, so
    two changes in the same month cannot each overwrite the other's count."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month the incidents were reported.")
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # The month's figures as the dashboard shows them, summed over the month's summary rows
    # (see `services.figures_of`): the sums of the counted fields, "open", "serious", and
    # incidents by "kind", "category", "severity" ("rank:key"), "personal_data", "policy".
    # One row per organisation-month, so a year's dashboard of a large trust reads a few
    # hundred rows and sums them in Python instead of grouping thousands in the database.
    # Kept in step with the summary rows by the same services, in the same transaction.
    figures = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month"], name="unique_stat_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m}"


class IncidentStatistic(models.Model):
    """Counts and duration sums for the incidents of one organisation-month that share
    kind, category, severity, state and personal data."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    # Empty kind/category/severity/personal data: not yet classified.
    kind = models.CharField(max_length=30, blank=True)
    category = models.CharField(max_length=30, blank=True)
    severity = models.SlugField(max_length=30, blank=True)
    severity_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    state = models.CharField(max_length=30)
    personal_data = models.CharField(max_length=10, blank=True)
    is_open = models.BooleanField()
    is_serious = models.BooleanField(default=False)

    incidents = models.PositiveIntegerField(default=0)
    # The kind as classified, or as reported while not yet classified.
    near_misses = models.PositiveIntegerField(default=0)
    # Discovery to report (only reports that say when it was discovered).
    report_delay_count = models.PositiveIntegerField(default=0)
    report_delay_seconds = models.BigIntegerField(default=0)
    reported_within_day = models.PositiveIntegerField(default=0)
    # Report to first classification.
    classified = models.PositiveIntegerField(default=0)
    classify_seconds = models.BigIntegerField(default=0)
    classified_on_time = models.PositiveIntegerField(default=0)
    # Report to closure (closed, or closed as not an incident).
    closed = models.PositiveIntegerField(default=0)
    close_seconds = models.BigIntegerField(default=0)
    # The DPO's referral of a major or critical incident, acknowledged within the timescale.
    dpo_referral_on_time = models.PositiveIntegerField(default=0)
    # The ICO decision (personal data breaches).
    ico_decided = models.PositiveIntegerField(default=0)
    ico_decided_within_72h = models.PositiveIntegerField(default=0)
    # Investigations completed (outcome report submitted), and on time.
    investigations_completed = models.PositiveIntegerField(default=0)
    investigations_on_time = models.PositiveIntegerField(default=0)
    # Closed after an outcome report was reviewed, and reviewed within the timescale.
    closed_after_review = models.PositiveIntegerField(default=0)
    reviewed_on_time = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organisation", "month"], name="incidentstat_org_month")]

    def __str__(self) -> str:
        return (
            f"{self.organisation_id} {self.month:%Y-%m} {self.kind}/{self.state}: {self.incidents}"
        )


class PolicyBreachStatistic(models.Model):
    """How many incidents of one organisation-month breached one information policy."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    policy = models.CharField(max_length=200)
    incidents = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organisation", "month"], name="policystat_org_month")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m} {self.policy}: {self.incidents}"
