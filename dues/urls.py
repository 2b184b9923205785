"""Each view module of the app declares its own `urlpatterns`; this module joins them."""

from .views import funds, ledger, members, on_time, rates

app_name = "dues"

urlpatterns = [
    *ledger.urlpatterns,
    *members.urlpatterns,
    *funds.urlpatterns,
    *rates.urlpatterns,
    *on_time.urlpatterns,
]
