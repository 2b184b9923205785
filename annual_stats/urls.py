from django.urls import path

from . import views

app_name = "annual_stats"

urlpatterns = [
    path("", views.report, name="report"),
    path("cell/", views.cell, name="cell"),
]
