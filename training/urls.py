"""Each view module declares its own `urlpatterns`; this module joins them."""

from .views import classes, orders, progress, rules, stats, teachers, xuexi

app_name = "training"

urlpatterns = [
    *classes.urlpatterns,
    *orders.urlpatterns,
    *teachers.urlpatterns,
    *rules.urlpatterns,
    *progress.urlpatterns,
    *stats.urlpatterns,
    *xuexi.urlpatterns,
]
