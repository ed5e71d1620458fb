"""The policies' closing sections: exception requests, policy change proposals, and the
policy documents themselves with their document control (version, approval, next review).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidentdesk.organisations.models import InformationPolicy, Organisation, PolicyPoint


class ExceptionStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class PolicyTarget(models.Model):
    """What a request or proposal is about: a numbered point of the policy, or one of the
    information policies, or (for a proposal) the policy as a whole."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    policy_point = models.ForeignKey(
        PolicyPoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    information_policy = models.ForeignKey(
        InformationPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    @property
    def policy_point_label(self) -> str:
        """Words for what it is about, without any personal detail (for reports too)."""
        if self.policy_point_id:
            return f"Policy point {self.policy_point.number}"
        if self.information_policy_id:
            return self.information_policy.name
        return "The policy as a whole"


class ExceptionRequest(PolicyTarget):
    """Someone asks to do something against a policy point, for a business reason."""

    what = models.TextField(help_text="What they want to do differently.")
    business_reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=20, choices=ExceptionStatus.choices, default=ExceptionStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)
    # An approved exception lasts until `expires_on` and is looked at again on `review_on`.
    expires_on = models.DateField(null=True, blank=True)
    review_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "requested_at"], name="exception_org_requested"),
            models.Index(fields=["organisation", "decided_at"], name="exception_org_decided"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(policy_point__isnull=False) | Q(information_policy__isnull=False),
                name="exception_names_a_policy",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(expires_on__isnull=False),
                name="approved_exception_expires",
            ),
        ]

    def audit_label(self) -> str:
        return f"Exception request {self.pk}: {self.title}"

    @property
    def is_decided(self) -> bool:
        return self.status != ExceptionStatus.REQUESTED

    def is_expired(self, today=None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status == ExceptionStatus.APPROVED
            and self.expires_on is not None
            and self.expires_on < today
        )

    def status_words(self, today=None) -> str:
        if self.is_expired(today):
            return "Expired"
        return self.get_status_display()


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for a decision"
    AGREED = "agreed", "Agreed"
    DECLINED = "declined", "Declined"
    PROPOSED_ONWARDS = "proposed_onwards", "Proposed onwards"


class PolicyChangeProposal(PolicyTarget):
    """Someone says the policy does not meet their needs; the incident manager (the
    Information Champion) agrees or declines and, if agreed, proposes the change onwards."""

    change = models.TextField(help_text="The change proposed.")
    reason = models.TextField(help_text="Why the policy does not meet their needs.")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)
    # To whom the agreed change went (the trust, the governing body, a committee) and when.
    onwards_to = models.CharField(max_length=200, blank=True)
    onwards_on = models.DateField(null=True, blank=True)
    onwards_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "proposed_at"], name="proposal_org_proposed"),
            models.Index(fields=["organisation", "decided_at"], name="proposal_org_decided"),
        ]

    def audit_label(self) -> str:
        return f"Policy change proposal {self.pk}: {self.title}"

    @property
    def is_decided(self) -> bool:
        return self.status != ProposalStatus.PROPOSED


class StoredFile(models.Model):
    """A file kept like evidence: random name outside the web root, type from content."""

    stored_name = models.CharField(max_length=100, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True


class PolicyDocument(StoredFile):
    """A policy as approved, with its document control. The current version is on the row;
    each earlier version is kept as a `PolicyDocumentVersion`."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="policy_documents"
    )
    title = models.CharField(max_length=200)
    version = models.CharField(max_length=30)
    approved_by = models.CharField(
        max_length=200, help_text="Who approved it: a person, a committee or the board."
    )
    approved_on = models.DateField(null=True, blank=True)
    next_review_on = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_policies"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "title"]
        indexes = [
            models.Index(fields=["organisation", "next_review_on"], name="policydoc_org_review")
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    def audit_label(self) -> str:
        return str(self)


class PolicyDocumentVersion(StoredFile):
    """A version of a policy document that a later review replaced."""

    document = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=30)
    approved_by = models.CharField(max_length=200)
    approved_on = models.DateField(null=True, blank=True)
    next_review_on = models.DateField()
    replaced_at = models.DateTimeField(default=timezone.now)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["document", "-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.document.title} version {self.version}"
