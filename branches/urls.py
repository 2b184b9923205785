"""Each view module of the app declares its own `urlpatterns`; this module joins them."""

from .views import development, members, organizations

app_name = "branches"

urlpatterns = [
    *organizations.urlpatterns,
    *members.urlpatterns,
    *development.urlpatterns,
]
