from django.urls import path

from . import views
from .imports import views as import_views

app_name = "ledgers"

urlpatterns = [
    path("export/", views.ledger_list, name="ledger-list"),
    path("export/<slug:code>/", views.ledger_export, name="ledger-export"),
    path("exports/", views.exportjob_list, name="exportjob-list"),
    path("exports/<int:pk>/", views.exportjob_detail, name="exportjob-detail"),
    path("exports/<int:pk>/download/", views.exportjob_download, name="exportjob-download"),
    path("exports/<int:pk>/retry/", views.exportjob_retry, name="exportjob-retry"),
    path("exports/<int:pk>/cancel/", views.exportjob_cancel, name="exportjob-cancel"),
    *import_views.urlpatterns,
]
