"""Each view module of the app declares its own `urlpatterns`; this module joins them."""

from .views import funds, indicator_detail, ledger, members, rates

app_name = "dues"

urlpatterns = [
    *ledger.urlpatterns,
    *members.urlpatterns,
    *funds.urlpatterns,
    *rates.urlpatterns,
    *indicator_detail.urlpatterns,
]
