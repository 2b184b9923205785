from django.contrib import admin

from .models import StatRow, StatTable


class StatRowInline(admin.TabularInline):
    model = StatRow
    extra = 0


@admin.register(StatTable)
class StatTableAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "kind", "position", "is_active"]
    inlines = [StatRowInline]
