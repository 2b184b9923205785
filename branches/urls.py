from django.urls import path

from . import views

app_name = "branches"

urlpatterns = [
    path("", views.organization_list, name="organization-list"),
    path("<int:pk>/", views.organization_detail, name="organization-detail"),
]
