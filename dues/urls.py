"""Each view module of the app declares its own `urlpatterns`; this module joins them."""

from .views import funds, ledger, members, rates

app_name = "dues"

urlpatterns = [
    *ledger.urlpatterns,
    *members.urlpatterns,
    *funds.urlpatterns,
    *rates.urlpatterns,
]
