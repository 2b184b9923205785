from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from alxa_dangjian.core import caching
from alxa_dangjian.core.rules_admin import RuleAdmin

from .models import Organization, TermLengthRule, TimingRule


@admin.register(Organization)
class OrganizationAdmin(caching.InvalidatingAdmin, SimpleHistoryAdmin):
    cache_topics = (caching.ORGANIZATIONS,)
    list_display = ["name", "short_name", "type", "category", "parent", "is_active"]
    list_filter = ["type", "category", "is_active"]
    search_fields = ["name", "short_name"]
    raw_id_fields = ["parent"]


@admin.register(TimingRule)
class TimingRuleAdmin(RuleAdmin):
    list_display = ["code", "description", "step", "after_step", "min_days", "max_days", "is_hard"]
    list_filter = ["is_hard", "is_active"]


@admin.register(TermLengthRule)
class TermLengthRuleAdmin(RuleAdmin):
    list_display = ["organization_type", "effective_from", "years", "basis"]
    list_filter = ["organization_type"]
