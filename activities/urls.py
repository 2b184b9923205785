"""Each view module of the app declares its own `urlpatterns`; this module joins them."""

app_name = "activities"

urlpatterns = []
