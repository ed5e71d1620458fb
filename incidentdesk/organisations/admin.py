"""The admin: where an organisation adjusts its profile and names its duty holders.

Superusers see everything. An incident manager with admin access sees and changes only the
organisations they manage (a trust's: its schools too), those organisations' profiles,
people and duties. Nothing of another organisation is listed or reachable.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import (
    Duty,
    DutyHolder,
    InformationPolicy,
    Membership,
    Organisation,
    Person,
    PolicyPoint,
    PolicyProfile,
    SeverityLevel,
    Timescale,
)
from .selectors import organisations_managed_by

admin.site.site_header = "Incident Desk administration"
admin.site.site_title = "Incident Desk admin"
admin.site.index_title = "Organisations, people and policy profiles"


class ScopedAdmin(admin.ModelAdmin):
    """Limits an incident manager to the organisations they manage."""

    organisation_path = "organisation"

    def scope(self, request: HttpRequest) -> QuerySet[Organisation]:
        return organisations_managed_by(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.organisation_path}__in": self.scope(request)}).distinct()

    def _may(self, request: HttpRequest) -> bool:
        return request.user.is_active and (
            request.user.is_superuser or (request.user.is_staff and self.scope(request).exists())
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            scope = self.scope(request)
            if db_field.related_model is Organisation:
                kwargs["queryset"] = scope
            elif db_field.related_model is PolicyProfile:
                kwargs["queryset"] = PolicyProfile.objects.filter(organisations__in=scope)
            elif db_field.related_model is Person:
                kwargs["queryset"] = Person.objects.filter(
                    memberships__organisation__in=scope
                ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SeverityInline(admin.TabularInline):
    model = SeverityLevel
    extra = 0


class TimescaleInline(admin.TabularInline):
    model = Timescale
    extra = 0

    def get_readonly_fields(self, request, obj=None):
        return ["statutory"]


class InformationPolicyInline(admin.TabularInline):
    model = InformationPolicy
    extra = 1


class PolicyPointInline(admin.StackedInline):
    model = PolicyPoint
    extra = 0


WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
DUTY_LIST_FIELDS = [
    "report_recipients",
    "major_support",
    "critical_support",
    "referral_recipients",
    "outcome_reviewers_serious",
]


def _duty_checkboxes(label: str, help_text: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=Duty.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=help_text,
    )


class PolicyProfileForm(forms.ModelForm):
    """The profile in plain fields: checkboxes for duties and days, one box per title.

    The model keeps lists of duty names (JSON); the people adjusting a profile should never
    have to write JSON.
    """

    report_recipients = _duty_checkboxes("Who receives reports", "Told of every new report.")
    major_support = _duty_checkboxes(
        "Who supports major incidents",
        "The trust policy leaves this to the trust: “[insert role(s)/ team(s)]”.",
    )
    critical_support = _duty_checkboxes("Who supports critical incidents", "")
    referral_recipients = _duty_checkboxes(
        "Who major and critical incidents are referred to", "The DPO, in both policies."
    )
    outcome_reviewers_serious = _duty_checkboxes(
        "Who also reviews outcome reports of major and critical incidents", ""
    )
    working_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, label="Working days"
    )
    investigation_steps_text = forms.CharField(
        label="Investigation steps",
        widget=forms.Textarea(attrs={"rows": 12, "cols": 90}),
        help_text="One step a line, as “a: Identify expected outcomes…”.",
    )

    class Meta:
        model = PolicyProfile
        fields = [
            "name",
            "preset",
            "policy_title",
            *DUTY_LIST_FIELDS,
            "anonymous_recipient",
            "out_of_hours_recipient",
            "manager_investigates_critical",
            "working_day_starts",
            "working_day_ends",
            "working_days",
            "bank_holiday_region",
            "retention_years",
            "small_count_threshold",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        titles = self.instance.duty_titles or {}
        for duty in Duty:
            self.initial.setdefault(f"title_{duty.value}", titles.get(duty.value, duty.label))
        self.initial.setdefault(
            "investigation_steps_text",
            "\n".join(
                f"{letter}: {text}" for letter, text in (self.instance.investigation_steps or [])
            ),
        )

    def clean_investigation_steps_text(self) -> list[list[str]]:
        steps = []
        for number, line in enumerate(
            self.cleaned_data["investigation_steps_text"].splitlines(), 1
        ):
            if not line.strip():
                continue
            letter, sep, text = line.partition(":")
            if not sep or len(letter.strip()) != 1 or not text.strip():
                raise forms.ValidationError(
                    f"Line {number}: write a letter, a colon and the step, as “a: Speak to staff”."
                )
            steps.append([letter.strip().lower(), text.strip()])
        if not steps:
            raise forms.ValidationError("Enter at least one investigation step.")
        return steps

    def save(self, commit: bool = True) -> PolicyProfile:
        profile = super().save(commit=False)
        profile.duty_titles = {d.value: self.cleaned_data[f"title_{d.value}"] for d in Duty}
        profile.investigation_steps = self.cleaned_data["investigation_steps_text"]
        if commit:
            profile.save()
            self.save_m2m()
        return profile


# One box per duty title, declared on the class so the admin's form factory knows them.
for _duty in Duty:
    _field = forms.CharField(label=f"Title of the {_duty.label.lower()}", max_length=100)
    PolicyProfileForm.base_fields[f"title_{_duty.value}"] = _field
    PolicyProfileForm.declared_fields[f"title_{_duty.value}"] = _field


@admin.register(PolicyProfile)
class PolicyProfileAdmin(ScopedAdmin):
    form = PolicyProfileForm
    organisation_path = "organisations"
    list_display = ["name", "preset"]
    inlines = [SeverityInline, TimescaleInline, InformationPolicyInline, PolicyPointInline]
    fieldsets = [
        (None, {"fields": ["name", "preset", "policy_title"]}),
        (
            "Who does what",
            {
                "fields": [
                    *[f"title_{d.value}" for d in Duty],
                    "report_recipients",
                    "anonymous_recipient",
                    "out_of_hours_recipient",
                    "major_support",
                    "critical_support",
                    "referral_recipients",
                    "manager_investigates_critical",
                    "outcome_reviewers_serious",
                ]
            },
        ),
        ("Investigation", {"fields": ["investigation_steps_text"]}),
        (
            "Working time and records",
            {
                "fields": [
                    "working_day_starts",
                    "working_day_ends",
                    "working_days",
                    "bank_holiday_region",
                    "retention_years",
                    "small_count_threshold",
                ]
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


class DutyHolderInline(admin.TabularInline):
    model = DutyHolder
    fk_name = "organisation"
    extra = 1
    autocomplete_fields = ["person", "deputy"]


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    organisation_path = "pk"
    list_display = ["name", "code", "kind", "trust", "profile"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    inlines = [DutyHolderInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = admin.ModelAdmin.get_queryset(self, request).select_related("trust", "profile")
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=self.scope(request).values("pk"))

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["person", "organisation", "job_title"]
    list_filter = ["organisation"]
    search_fields = ["person__full_name", "person__email"]
    autocomplete_fields = ["person"]


@admin.register(DutyHolder)
class DutyHolderAdmin(ScopedAdmin):
    list_display = ["person", "duty", "title", "organisation", "deputy", "is_absent"]
    list_filter = ["duty", "organisation"]
    search_fields = ["person__full_name", "person__email"]
    autocomplete_fields = ["person", "deputy"]


@admin.register(Person)
class PersonAdmin(UserAdmin, ScopedAdmin):
    organisation_path = "memberships__organisation"
    ordering = ["full_name"]
    list_display = ["full_name", "email", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["full_name", "email"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]
    filter_horizontal = []

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if request.user.is_superuser:
            return ["last_login", "date_joined"]
        return ["is_superuser", "is_staff", "last_login", "date_joined"]
