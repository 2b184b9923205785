"""Admin pages of rule tables write through core.rules like every other page: a reason is
asked on the change form, deletions are recorded as made in the admin, and the bulk delete
action (which would bypass history reasons) is off."""

from django import forms
from simple_history.admin import SimpleHistoryAdmin

from . import rules

ADMIN_DELETE_REASON = "在管理后台删除"


class RuleAdminForm(forms.ModelForm):
    change_reason = rules.reason_field()


class RuleAdmin(SimpleHistoryAdmin):
    form = RuleAdminForm

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        rules.save_rule(obj, by=request.user, reason=form.cleaned_data["change_reason"])

    def delete_model(self, request, obj):
        rules.delete_rule(obj, by=request.user, reason=ADMIN_DELETE_REASON)
