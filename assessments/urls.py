"""Each view module of the app declares its own `urlpatterns`; this module joins them."""

from .views import branch_indicator_detail, cards, items, list_settings, lists, runs, schemes

app_name = "assessments"

urlpatterns = [
    *lists.urlpatterns,
    *list_settings.urlpatterns,
    *items.urlpatterns,
    *schemes.urlpatterns,
    *runs.urlpatterns,
    *cards.urlpatterns,
    *branch_indicator_detail.urlpatterns,
]
