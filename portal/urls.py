"""Each view module declares its own `urlpatterns`; this module joins them."""

from .views import home, profile

app_name = "portal"

urlpatterns = [
    *home.urlpatterns,
    *profile.urlpatterns,
]
