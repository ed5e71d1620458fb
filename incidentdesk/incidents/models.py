"""The incident: one case from report to closure."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidentdesk.organisations.models import Organisation


class State(models.TextChoices):
    REPORTED = "reported", "Reported"
    TRIAGED = "triaged", "Classified"
    INVESTIGATING = "investigating", "Being investigated"
    OUTCOME_SUBMITTED = "outcome_submitted", "Outcome report submitted"
    CLOSED = "closed", "Closed"
    NOT_AN_INCIDENT = "not_an_incident", "Not a security incident"


OPEN_STATES = frozenset(
    {State.REPORTED, State.TRIAGED, State.INVESTIGATING, State.OUTCOME_SUBMITTED}
)

# The order an incident goes through, for the register's "by state" sort (stored as
# `Incident.state_order`, so a page of it is an index range, not a sort of every row).
STATE_ORDER = {
    State.REPORTED: 0,
    State.TRIAGED: 1,
    State.INVESTIGATING: 2,
    State.OUTCOME_SUBMITTED: 3,
    State.CLOSED: 4,
    State.NOT_AN_INCIDENT: 5,
}


class Kind(models.TextChoices):
    CONFIRMED_BREACH = "confirmed_breach", "Confirmed breach"
    POTENTIAL_BREACH = "potential_breach", "Potential breach"
    NEAR_MISS = "near_miss", "Near miss"


# The same three kinds in the words a worried member of staff would use.
KIND_PLAIN_WORDS = {
    Kind.CONFIRMED_BREACH: "Something went wrong",
    Kind.POTENTIAL_BREACH: "Something might have gone wrong",
    Kind.NEAR_MISS: "Something nearly went wrong, but did not",
}


class Category(models.TextChoices):
    LOSS_OR_THEFT = "loss_or_theft", "Loss or theft"
    WRONG_RECIPIENT = "wrong_recipient", "Sent to the wrong person"
    UNAUTHORISED_ACCESS = "unauthorised_access", "Unauthorised access or disclosure"
    CYBER_ATTACK = "cyber_attack", "Cyber attack"
    ACCIDENT = "accident", "Accident"
    IT_FAILURE = "it_failure", "IT failure"
    FALSE_ALARM = "false_alarm", "False alarm"
    OTHER = "other", "Other"


class PersonalData(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not yet known"


class ReportingMode(models.TextChoices):
    NAMED = "named", "Named"
    CONFIDENTIAL = "confidential", "Confidential"
    ANONYMOUS = "anonymous", "Anonymous"


class Source(models.TextChoices):
    STAFF = "staff", "A member of staff"
    SUPPLIER = "supplier", "A supplier that processes our data"


class WhoseInformation(models.TextChoices):
    PUPILS = "pupils", "Pupils"
    STAFF = "staff", "Staff"
    PARENTS = "parents", "Parents or carers"
    GOVERNORS = "governors", "Governors or volunteers"
    OTHERS = "others", "Other people"
    NOT_SURE = "not_sure", "Not sure"


class PeopleCount(models.TextChoices):
    ONE = "1", "One person"
    FEW = "2-10", "2 to 10 people"
    CLASS = "11-50", "11 to 50 people"
    MANY = "51-500", "51 to 500 people"
    VERY_MANY = "over-500", "More than 500 people"
    NOT_SURE = "not_sure", "Not sure"


class InformationCategory(models.TextChoices):
    """The ICO form's categories, with the two that matter most in schools first."""

    SAFEGUARDING = "safeguarding", "Safeguarding or child protection information"
    SEN = "sen", "Special educational needs information"
    BASIC_IDENTIFIERS = "basic_identifiers", "Names, addresses, dates of birth"
    CONTACT = "contact", "Contact details"
    EDUCATION = "education", "Marks, reports or attendance"
    HEALTH = "health", "Health or medical information"
    RACIAL_ETHNIC = "racial_ethnic", "Racial or ethnic origin"
    RELIGIOUS = "religious", "Religious or philosophical beliefs"
    SEX_LIFE = "sex_life", "Sex life or sexual orientation"
    GENDER_REASSIGNMENT = "gender_reassignment", "Gender reassignment"
    POLITICAL = "political", "Political opinions"
    TRADE_UNION = "trade_union", "Trade union membership"
    GENETIC_BIOMETRIC = "genetic_biometric", "Genetic or biometric data (fingerprints, photos)"
    CRIMINAL = "criminal", "Criminal convictions or offences"
    FINANCIAL = "financial", "Bank, payment or free school meals details"
    IDENTIFICATION = "identification", "Usernames, passwords or ID documents"
    OFFICIAL_DOCUMENTS = "official_documents", "Official documents (passports, certificates)"
    LOCATION = "location", "Location data"
    NOT_KNOWN = "not_known", "Not yet known"
    OTHER = "other", "Other"


SPECIAL_CATEGORIES = frozenset(
    {
        InformationCategory.HEALTH,
        InformationCategory.RACIAL_ETHNIC,
        InformationCategory.RELIGIOUS,
        InformationCategory.SEX_LIFE,
        InformationCategory.GENDER_REASSIGNMENT,
        InformationCategory.POLITICAL,
        InformationCategory.TRADE_UNION,
        InformationCategory.GENETIC_BIOMETRIC,
    }
)


class InformationForm(models.TextChoices):
    PAPER = "paper", "Paper"
    EMAIL = "email", "E-mail"
    DEVICE = "device", "A laptop, phone, tablet or memory stick"
    SYSTEM = "system", "A computer system or online service"
    SPOKEN = "spoken", "Spoken"
    OTHER = "other", "Other"


class ReferenceCounter(models.Model):
    """The last incident number given in an organisation in a year; numbers are never reused."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="unique_counter_year")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.last_number}"


class Incident(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=30, unique=True)
    state = models.CharField(max_length=30, choices=State.choices, default=State.REPORTED)
    state_changed_at = models.DateTimeField(default=timezone.now)

    # The report, as the reporter gave it.
    mode = models.CharField(max_length=20, choices=ReportingMode.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.STAFF)
    supplier_name = models.CharField(max_length=200, blank=True)
    what_happened = models.TextField()
    reported_kind = models.CharField(max_length=30, choices=Kind.choices, blank=True)
    occurred_on = models.DateField(null=True, blank=True)
    occurred_time = models.TimeField(null=True, blank=True)
    discovered_at = models.DateTimeField(null=True, blank=True)
    how_discovered = models.TextField(blank=True)
    location = models.CharField(max_length=300, blank=True)
    whose_information = models.JSONField(default=list, blank=True)
    people_count = models.CharField(max_length=20, choices=PeopleCount.choices, blank=True)
    information_categories = models.JSONField(default=list, blank=True)
    information_forms = models.JSONField(default=list, blank=True)
    people_involved = models.TextField(blank=True)
    already_done = models.TextField(blank=True)

    reported_at = models.DateTimeField(default=timezone.now)
    reported_out_of_hours = models.BooleanField(default=False)
    # Seconds from discovery to report: the policy asks for "immediately".
    report_delay_seconds = models.BigIntegerField(null=True, blank=True)
    # A retried submission carries the same key and finds this incident instead of making
    # another; the fingerprint tells a true retry from a different report with a reused key.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)

    # Classification by the incident manager; the history is in Classification rows.
    kind = models.CharField(max_length=30, choices=Kind.choices, blank=True)
    category = models.CharField(max_length=30, choices=Category.choices, blank=True)
    personal_data = models.CharField(max_length=10, choices=PersonalData.choices, blank=True)
    confidentiality_affected = models.BooleanField(default=False)
    integrity_affected = models.BooleanField(default=False)
    availability_affected = models.BooleanField(default=False)
    severity = models.SlugField(max_length=30, blank=True)
    # The level's rank, kept beside its key so the queue can sort by it without a join.
    severity_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    # The register's sort keys, kept in step by `save()` (and `fill_sort_columns` before a
    # bulk insert): the state's place in STATE_ORDER, and the severity's rank with 0 for
    # not classified yet (so "most severe first" puts those last without a NULL rule).
    state_order = models.PositiveSmallIntegerField(default=0)
    severity_order = models.PositiveSmallIntegerField(default=0)
    is_serious = models.BooleanField(default=False)
    severity_reason = models.TextField(blank=True)
    policies_breached = models.ManyToManyField(
        "organisations.InformationPolicy", blank=True, related_name="+"
    )
    classified_at = models.DateTimeField(null=True, blank=True)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verification_notes = models.TextField(blank=True)
    safeguarding_flagged = models.BooleanField(default=False)
    safeguarding_referred_at = models.DateTimeField(null=True, blank=True)
    investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.TextField(blank=True)
    # Set when the retention policy removed the names and free text (incidents/retention.py).
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The retention worker's search: closed incidents not yet anonymised, by age.
            models.Index(
                fields=["organisation", "closed_at"],
                name="incident_retention_due",
                condition=models.Q(closed_at__isnull=False, anonymised_at__isnull=True),
            ),
            models.Index(
                fields=["organisation", "state", "reported_at"], name="incident_org_state"
            ),
            # With the id, the register's newest and oldest first (ties by id) are read in
            # order, one range per organisation.
            models.Index(
                fields=["organisation", "reported_at", "id"], name="incident_org_reported"
            ),
            models.Index(fields=["reporter", "reported_at"], name="incident_reporter"),
            models.Index(fields=["investigator", "state"], name="incident_investigator"),
            models.Index(
                fields=["organisation", "is_serious", "reported_at"], name="incident_org_serious"
            ),
            # The register's filters (oversight/register.py), each shaped like its query:
            # the organisation, the field, then the newest-first order. The state, dates
            # and organisation are served by the indexes above, a reference by its unique
            # index, a breached policy by the M2M table's, overdue by Deadline's incident.
            models.Index(fields=["organisation", "kind", "reported_at"], name="incident_org_kind"),
            models.Index(
                fields=["organisation", "category", "reported_at"], name="incident_org_category"
            ),
            models.Index(
                fields=["organisation", "severity", "reported_at"], name="incident_org_severity"
            ),
            # Newest first across many organisations (a trust of many schools): read in
            # order and stop at a page, rather than sort every row of every school.
            models.Index(fields=["reported_at"], name="incident_reported"),
            # The register's other sorts, each an index range per organisation (the
            # register reads a trust's schools one range each: oversight/register.py).
            models.Index(
                fields=["organisation", "severity_order", "reported_at", "id"],
                name="incident_org_severity_order",
            ),
            models.Index(
                fields=["organisation", "state_order", "-reported_at", "-id"],
                name="incident_org_state_order",
            ),
            models.Index(fields=["organisation", "reference"], name="incident_org_reference"),
            # The queue (selectors.queue_for): an organisation's open incidents with their
            # sort keys, counted and sorted from the index alone, not the table's rows.
            models.Index(
                fields=["organisation", "state", "severity_rank", "reported_at"],
                name="incident_org_queue",
            ),
            # The list's anonymous reports of an organisation (selectors.newest_visible),
            # newest first: few among many, so read from their own range.
            models.Index(
                fields=["organisation", "mode", "reported_at", "id"], name="incident_org_mode"
            ),
            # The classification's filters used together (kind, severity, state): one
            # range per organisation, in the newest-first order, counted in the index alone.
            models.Index(
                fields=["organisation", "kind", "severity", "state", "reported_at"],
                name="incident_org_classified",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every save keeps the sort keys in step, also a save of some fields only.
        self.fill_sort_columns()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"state", "severity_rank"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "state_order", "severity_order"}
        super().save(*args, **kwargs)

    def fill_sort_columns(self) -> None:
        """Sets the register's sort keys from the state and severity rank."""
        self.state_order = STATE_ORDER.get(self.state, len(STATE_ORDER))  # type: ignore[call-overload]
        self.severity_order = self.severity_rank or 0

    @property
    def audit_label(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def may_involve_personal_data(self) -> bool:
        """Yes, not yet known, or not yet classified: the ICO decision is then owed, both
        as a deadline and as a condition of closing."""
        return self.personal_data in {"", PersonalData.YES, PersonalData.UNKNOWN}


class Classification(models.Model):
    """One classification or reclassification, kept so the history is never lost."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="classifications")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    category = models.CharField(max_length=30, choices=Category.choices)
    personal_data = models.CharField(max_length=10, choices=PersonalData.choices)
    confidentiality_affected = models.BooleanField(default=False)
    integrity_affected = models.BooleanField(default=False)
    availability_affected = models.BooleanField(default=False)
    severity = models.SlugField(max_length=30)
    severity_reason = models.TextField()
    policies_breached = models.JSONField(default=list)
    enisa = models.JSONField(default=dict, blank=True)
    classified_at = models.DateTimeField(default=timezone.now)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["incident", "classified_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.severity}"


class InvolvementRole(models.TextChoices):
    REFERRAL = "referral", "Referred (must acknowledge)"
    SUPPORT = "support", "Supports the investigation"
    SAFEGUARDING = "safeguarding", "Safeguarding referral"


class Involvement(models.Model):
    """A duty holder brought into an incident: the DPO's referral, the SIRO's or governors'
    support, the safeguarding lead. It gives them access to the incident."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="involvements")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    duty = models.CharField(max_length=40)
    role = models.CharField(max_length=20, choices=InvolvementRole.choices)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "person", "role"], name="unique_involvement"
            )
        ]
        indexes = [models.Index(fields=["person", "incident"], name="involvement_person")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.role} on {self.incident_id}"
