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


class PolicyProfileForm(forms.ModelForm):
    class Meta:
        model = PolicyProfile
        exclude: list[str] = []

    def clean_working_days(self) -> list[int]:
        days = self.cleaned_data["working_days"]
        if not isinstance(days, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
            raise forms.ValidationError("List the working weekdays as numbers, 0 = Monday.")
        return sorted(set(days))


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
                    "duty_titles",
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
        ("Investigation", {"fields": ["investigation_steps"]}),
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
