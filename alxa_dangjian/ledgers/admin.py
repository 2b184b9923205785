from django.contrib import admin

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """The export log: read-only, it records what was exported."""

    list_display = ["name", "requested_by", "scope", "status", "total_rows", "created_at"]
    list_filter = ["status", "ledger", "includes_personal_data"]
    search_fields = ["name", "scope", "requested_by__username", "requested_by__name"]
    list_select_related = ["requested_by"]
    exclude = ["file"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
