from django.urls import path

from . import views

app_name = "annual_stats"

urlpatterns = [
    path("", views.report, name="report"),
    path("cell/", views.cell, name="cell"),
    path("freeze/", views.freeze, name="frozenreport-create"),
    path("frozen/<int:pk>/", views.frozenreport_detail, name="frozenreport-detail"),
]
