"""API tokens in the admin: to see who has one and to revoke it. Tokens are never made
here (the raw value must reach its owner only), and their hash is never shown."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import ApiToken
from .services import revoke_api_token


class RevokedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("live", "Live"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> QuerySet[ApiToken]:
        if self.value() == "live":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "token_prefix", "person", "created_at", "last_used_at", "revoked_at"]
    list_filter = [RevokedFilter]
    search_fields = ["name", "token_prefix", "person__email", "person__full_name"]
    list_select_related = ["person"]
    fields = ["name", "token_prefix", "person", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        # Revoke instead: the audit trail refers to the token.
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = 0
        for token in queryset.select_related("person"):
            revoked += revoke_api_token(token=token, actor=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)
