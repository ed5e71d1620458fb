from django.contrib import admin
from django.db import transaction
from django.utils import timezone

from incidentdesk.audit.services import record_event
from incidentdesk.organisations.admin import ScopedAdmin

from .deadlines import schedule_policy_review
from .models import PolicyDocument, PolicyDocumentVersion

FILE_FIELDS = ["original_name", "content_type", "size", "sha256"]


class PolicyDocumentVersionInline(admin.TabularInline):
    model = PolicyDocumentVersion
    fk_name = "document"
    extra = 0
    can_delete = False
    fields = ["version", "approved_by", "approved_on", "next_review_on", "replaced_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(ScopedAdmin):
    """Document control of each policy. Files are uploaded on the Policies pages, where
    they are checked; a review recorded there keeps the version it replaces."""

    list_display = ["title", "version", "organisation", "owner", "approved_on", "next_review_on"]
    list_filter = ["organisation"]
    search_fields = ["title"]
    date_hierarchy = "next_review_on"
    fields = [
        "organisation",
        "title",
        "version",
        "approved_by",
        "approved_on",
        "next_review_on",
        "owner",
        *FILE_FIELDS,
    ]
    readonly_fields = FILE_FIELDS
    inlines = [PolicyDocumentVersionInline]

    @transaction.atomic
    def save_model(self, request, obj, form, change) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
        # A changed review date moves the reminder; it is not a review (nothing is met).
        if not change or "next_review_on" in form.changed_data:
            schedule_policy_review(obj)
        record_event(
            actor=request.user,
            action="governance.policy_document_changed"
            if change
            else "governance.policy_document_added",
            obj=obj,
            details={"fields": sorted(form.changed_data), "via": "admin"},
        )
