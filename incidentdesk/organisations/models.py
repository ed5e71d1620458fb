"""Organisations, the people in them, the duties they hold, and the policy profiles they run by."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone


class Duty(models.TextChoices):
    """A duty someone holds in an organisation. Titles come from the policy profile."""

    INCIDENT_MANAGER = "incident_manager", "Incident manager"
    INVESTIGATING_OFFICER = "investigating_officer", "Investigating officer / line manager"
    HEAD_OF_SCHOOL = "head_of_school", "Head of school"
    SIRO = "siro", "Senior Information Risk Owner (SIRO)"
    DPO = "dpo", "Data Protection Officer (DPO)"
    GOVERNOR = "governor", "Governing body member"
    CHAIR_OF_GOVERNORS = "chair_of_governors", "Chair of governors"
    SAFEGUARDING_LEAD = "safeguarding_lead", "Designated safeguarding lead"
    STAFF = "staff", "Member of staff"


# Every duty except plain staff gives access to incidents, so needs a second factor.
DUTIES_NEEDING_SECOND_FACTOR = frozenset(Duty.values) - {Duty.STAFF}


class PersonManager(BaseUserManager["Person"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> Person:
        if not email:
            raise ValueError("A person needs an e-mail address")
        person = self.model(email=self.normalize_email(email).lower(), **fields)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_user(self, email: str, password: str | None = None, **fields) -> Person:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> Person:
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)


class Person(AbstractBaseUser, PermissionsMixin):
    """Someone who signs in, by e-mail address. `is_staff` means "may use the admin"."""

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("may use the admin site", default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"
        ordering = ["full_name"]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Preset(models.TextChoices):
    TRUST = "trust", "Multi-academy trust (Security Incidents Policy, trust version)"
    SCHOOL = "school", "Single school (Security Incidents Policy, school version)"


class BankHolidayRegion(models.TextChoices):
    ENGLAND = "ENG", "England"
    WALES = "WLS", "Wales"
    SCOTLAND = "SCT", "Scotland"
    NORTHERN_IRELAND = "NIR", "Northern Ireland"


def default_working_days() -> list[int]:
    return [0, 1, 2, 3, 4]


class PolicyProfile(models.Model):
    """The rules an organisation runs by, copied from a preset and then adjusted.

    Duty fields hold `Duty` values; the titles people see come from `duty_titles`.
    """

    name = models.CharField(max_length=200)
    preset = models.CharField(max_length=20, choices=Preset.choices)
    policy_title = models.CharField(max_length=200, default="Security Incidents Policy")
    duty_titles = models.JSONField(
        default=dict, help_text="The title of each duty in this policy, by duty."
    )
    report_recipients = models.JSONField(
        default=list, help_text="Duties that receive every report."
    )
    anonymous_recipient = models.CharField(
        max_length=40, choices=Duty.choices, help_text="Who receives anonymous reports."
    )
    out_of_hours_recipient = models.CharField(
        max_length=40,
        choices=Duty.choices,
        help_text="Who is alerted when an incident is reported out of hours.",
    )
    major_support = models.JSONField(
        default=list, help_text="Duties that support the investigation of major incidents."
    )
    critical_support = models.JSONField(
        default=list, help_text="Duties that support the investigation of critical incidents."
    )
    referral_recipients = models.JSONField(
        default=list,
        help_text="Duties to which major and critical incidents must be referred (the DPO).",
    )
    manager_investigates_critical = models.BooleanField(
        default=True,
        help_text="The incident manager undertakes the investigation of critical incidents.",
    )
    outcome_reviewers_serious = models.JSONField(
        default=list,
        help_text="Duties who review the outcome report of major and critical incidents, "
        "after the incident manager.",
    )
    investigation_steps = models.JSONField(
        default=list, help_text="The investigation steps a–k: a list of [letter, text]."
    )
    working_day_starts = models.TimeField(default=datetime.time(8, 0))
    working_day_ends = models.TimeField(default=datetime.time(17, 0))
    working_days = models.JSONField(
        default=default_working_days, help_text="Working weekdays, 0 = Monday … 6 = Sunday."
    )
    bank_holiday_region = models.CharField(
        max_length=3, choices=BankHolidayRegion.choices, default=BankHolidayRegion.ENGLAND
    )
    retention_years = models.PositiveSmallIntegerField(
        default=6, help_text="Years after closure before an incident is anonymised."
    )
    small_count_threshold = models.PositiveSmallIntegerField(
        default=5, help_text="Counts below this are shown to governors as “fewer than N”."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def duty_title(self, duty: str) -> str:
        return self.duty_titles.get(duty) or Duty(duty).label


class SeverityLevel(models.Model):
    profile = models.ForeignKey(PolicyProfile, on_delete=models.CASCADE, related_name="severities")
    key = models.SlugField(max_length=30)
    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(help_text="1 is the least severe.")
    description = models.TextField()
    criteria = models.TextField(blank=True)
    is_serious = models.BooleanField(
        default=False,
        help_text="Major or critical: referred to the DPO and supported as the profile says.",
    )

    class Meta:
        ordering = ["profile", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "key"], name="unique_severity_key"),
            models.UniqueConstraint(fields=["profile", "rank"], name="unique_severity_rank"),
        ]

    def __str__(self) -> str:
        return self.name


class TimescaleUnit(models.TextChoices):
    IMMEDIATELY = "immediately", "Immediately"
    WORKING_HOURS = "working_hours", "Working hours"
    WORKING_DAYS = "working_days", "Working days"
    ELAPSED_HOURS = "elapsed_hours", "Hours (elapsed, including nights and weekends)"


class TimescaleStep(models.TextChoices):
    REPORT = "report", "Report after discovery"
    ACKNOWLEDGE = "acknowledge", "Acknowledge the report"
    CLASSIFY = "classify", "Classify and verify"
    DPO_REFERRAL = "dpo_referral", "Refer major or critical incidents to the DPO"
    ICO_DECISION = "ico_decision", "Decide whether to notify the ICO"
    TELL_PEOPLE = "tell_people", "Tell the people affected (high risk)"
    INVESTIGATION = "investigation", "Complete the investigation"
    OUTCOME_REVIEW = "outcome_review", "Review the outcome report"


class Timescale(models.Model):
    profile = models.ForeignKey(PolicyProfile, on_delete=models.CASCADE, related_name="timescales")
    step = models.CharField(max_length=30, choices=TimescaleStep.choices)
    severity_key = models.SlugField(
        max_length=30, blank=True, help_text="Only for this severity; empty for every severity."
    )
    amount = models.PositiveIntegerField(default=0)
    unit = models.CharField(max_length=20, choices=TimescaleUnit.choices)
    statutory = models.BooleanField(
        default=False, help_text="Set by law (the ICO's 72 hours): cannot be changed."
    )
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["profile", "step", "severity_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "step", "severity_key"], name="unique_timescale_step"
            )
        ]

    def __str__(self) -> str:
        when = (
            "immediately"
            if self.unit == TimescaleUnit.IMMEDIATELY
            else (f"{self.amount} {self.get_unit_display().lower()}")
        )
        suffix = f" ({self.severity_key})" if self.severity_key else ""
        return f"{self.get_step_display()}{suffix}: {when}"


class InformationPolicy(models.Model):
    """One of the information policies an incident can breach."""

    profile = models.ForeignKey(
        PolicyProfile, on_delete=models.CASCADE, related_name="information_policies"
    )
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["profile", "order", "name"]
        verbose_name_plural = "information policies"

    def __str__(self) -> str:
        return self.name


class PolicyPoint(models.Model):
    """A numbered MUST point of the policy, kept so compliance can be shown point by point."""

    profile = models.ForeignKey(PolicyProfile, on_delete=models.CASCADE, related_name="points")
    number = models.PositiveSmallIntegerField()
    must = models.TextField(help_text="What must be done.")
    why = models.TextField(blank=True)
    how = models.TextField(blank=True)

    class Meta:
        ordering = ["profile", "number"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "number"], name="unique_policy_point")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.must}"


class OrganisationKind(models.TextChoices):
    TRUST = "trust", "Trust"
    SCHOOL = "school", "School"


class Organisation(models.Model):
    """A trust, or a school. A school may belong to a trust, or stand alone."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=60, unique=True, help_text="Used in the anonymous reporting address."
    )
    code = models.CharField(
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2,8}$", "Use 2 to 8 capital letters or digits.")],
        help_text="Starts each incident reference, as in CODE-2026-0042.",
    )
    kind = models.CharField(max_length=10, choices=OrganisationKind.choices)
    trust = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schools",
        limit_choices_to={"kind": OrganisationKind.TRUST},
    )
    profile = models.ForeignKey(
        PolicyProfile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text="Leave empty in a trust's school to run by the trust's profile.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_profile(self) -> PolicyProfile | None:
        if self.profile_id:
            return self.profile
        if self.trust_id:
            return self.trust.profile
        return None


class Membership(models.Model):
    """A person belongs to an organisation (as staff, at least)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    job_title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.person.full_name} in {self.organisation}"


class DutyHolder(models.Model):
    """A person holds a duty in an organisation, with an optional deputy."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="duty_holders"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="duties")
    duty = models.CharField(max_length=40, choices=Duty.choices)
    title = models.CharField(
        max_length=100,
        blank=True,
        help_text="Their own title where the profile allows several (Headteacher, Bursar).",
    )
    deputy = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputy_for",
        help_text="Acts for them when they are marked absent.",
    )
    is_absent = models.BooleanField(default=False)

    class Meta:
        ordering = ["organisation", "duty"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person", "duty"], name="unique_duty_holder"
            )
        ]
        indexes = [models.Index(fields=["person", "duty"], name="dutyholder_person_duty")]

    def __str__(self) -> str:
        return f"{self.person.full_name}: {self.display_title} in {self.organisation}"

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        profile = self.organisation.effective_profile
        return profile.duty_title(self.duty) if profile else Duty(self.duty).label
