from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "name", "organization", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "name"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("党建平台", {"fields": ["name", "phone", "organization", "role"]}),
    ]
