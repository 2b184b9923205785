from django.contrib import admin

from alxa_dangjian.core.caching import InvalidatingAdmin
from alxa_dangjian.core.rules_admin import RuleAdmin

from .models import ActivityKind, CampaignTag, Exemption, FrequencyRule
from .models.service_ledgers import ServiceLedgerType


class ReferenceAdmin(InvalidatingAdmin, admin.ModelAdmin):
    pass


@admin.register(ActivityKind)
class ActivityKindAdmin(ReferenceAdmin):
    list_display = ["name", "code", "quorum", "prior_year_months", "sort_order", "is_active"]


@admin.register(FrequencyRule)
class FrequencyRuleAdmin(RuleAdmin):
    list_display = ["kind", "period", "min_count", "requires_committee", "per_party_group"]


@admin.register(Exemption)
class ExemptionAdmin(RuleAdmin):
    list_display = ["organization", "rule", "starts_on", "ends_on", "reason"]
    raw_id_fields = ["organization", "approved_by"]


admin.site.register(CampaignTag, ReferenceAdmin)
admin.site.register(ServiceLedgerType, ReferenceAdmin)
