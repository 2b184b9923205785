"""Each view module of the app declares its own `urlpatterns`; this module joins them."""

from .views import (
    compliance,
    explanations,
    files,
    indicator_detail,
    joint,
    record_lists,
    records,
    rules,
    service_ledgers,
)

app_name = "activities"

urlpatterns = [
    *record_lists.urlpatterns,
    *records.urlpatterns,
    *files.urlpatterns,
    *service_ledgers.urlpatterns,
    *compliance.urlpatterns,
    *rules.urlpatterns,
    *indicator_detail.urlpatterns,
    *joint.urlpatterns,
    *explanations.urlpatterns,
]
