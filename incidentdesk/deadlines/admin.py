from django.contrib import admin

from incidentdesk.organisations.admin import ScopedAdmin

from .models import ClosureDay


@admin.register(ClosureDay)
class ClosureDayAdmin(ScopedAdmin):
    """INSET days, snow days: days that do not count as working days for deadlines."""

    list_display = ["date", "organisation", "reason"]
    list_filter = ["organisation"]
    date_hierarchy = "date"
