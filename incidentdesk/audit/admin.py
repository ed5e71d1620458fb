"""The audit log in the admin site: to read and search, never to add, change or delete."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from incidentdesk.audit.models import AuditCheckpoint, AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "sequence",
        "occurred_at",
        "actor_label",
        "action",
        "object_label",
        "erased_at",
    ]
    list_filter = ["action", "occurred_at"]
    search_fields = ["object_label"]
    ordering = ["-sequence"]
    date_hierarchy = "occurred_at"
    actions = None
    # Counting a long log on every page is slow and tells the reader nothing.
    show_full_result_count = False
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(admin.ModelAdmin):
    list_display = ["sequence", "created_at", "key_id", "head_hash"]
    ordering = ["-created_at"]
    actions = None
    show_full_result_count = False
    readonly_fields = [field.name for field in AuditCheckpoint._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
