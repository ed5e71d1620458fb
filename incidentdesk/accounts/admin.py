"""Sign-in records in the admin site, for superusers: see failures, reset a lost app.

Nothing here shows a TOTP secret, and nothing changes a record except the reset action,
which goes through the service so that it is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from incidentdesk.accounts import services
from incidentdesk.accounts.models import SignInFailure, TwoFactorDevice


class _SuperuserReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SignInFailure)
class SignInFailureAdmin(_SuperuserReadOnlyAdmin):
    list_display = ["email", "occurred_at", "reason", "cleared_at"]
    list_filter = ["reason", "occurred_at"]
    search_fields = ["email"]
    date_hierarchy = "occurred_at"
    actions = None


@admin.register(TwoFactorDevice)
class TwoFactorDeviceAdmin(_SuperuserReadOnlyAdmin):
    list_display = ["person", "confirmed_at"]
    search_fields = ["person__email", "person__full_name"]
    fields = ["person", "created_at", "confirmed_at"]
    readonly_fields = fields
    actions = ["reset_apps"]

    @admin.action(description="Reset the authenticator app (set up again at next sign-in)")
    def reset_apps(self, request: HttpRequest, queryset: QuerySet[TwoFactorDevice]) -> None:
        count = 0
        for device in queryset.select_related("person"):
            count += services.reset_two_factor(person=device.person, by=request.user)
        self.message_user(
            request,
            f"Reset {count} authenticator app{'s' if count != 1 else ''}. "
            "They will set up a new one the next time they sign in.",
            messages.SUCCESS,
        )
