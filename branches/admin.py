from django.contrib import admin

from .models import Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "type", "category", "parent", "is_active"]
    list_filter = ["type", "category", "is_active"]
    search_fields = ["name", "short_name"]
    raw_id_fields = ["parent"]
