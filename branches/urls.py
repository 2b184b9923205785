"""Each view module of the app declares its own `urlpatterns`; this module joins them."""

from .views import (
    development,
    members,
    organizations,
    rating_applications,
    rating_titles,
    transfer_requests,
)
from .views import rating_stats as rating_stats_views
from .views import ratings as rating_views
from .views import supervision as supervision_views

app_name = "branches"

urlpatterns = [
    *organizations.urlpatterns,
    *members.urlpatterns,
    *development.urlpatterns,
    *rating_views.urlpatterns,
    *rating_applications.urlpatterns,
    *rating_titles.urlpatterns,
    *rating_stats_views.urlpatterns,
    *supervision_views.urlpatterns,
    *transfer_requests.urlpatterns,
]
