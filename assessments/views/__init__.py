"""Each view module of the app declares its own `urlpatterns`; assessments/urls.py joins them."""
