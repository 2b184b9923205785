from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "阿拉善盟直属机关党建管理平台 · 后台"
admin.site.site_title = "党建管理平台后台"

# A database, cache or broker that cannot be reached answers 503 in Chinese, not 500.
handler500 = "alxa_dangjian.core.outages.server_error"

urlpatterns = [
    path("", include("portal.urls")),
    path("", include("alxa_dangjian.core.urls")),
    path("accounts/", include("alxa_dangjian.accounts.urls")),
    path("branches/", include("branches.urls")),
    path("activities/", include("activities.urls")),
    path("dues/", include("dues.urls")),
    path("training/", include("training.urls")),
    path("ledgers/", include("alxa_dangjian.ledgers.urls")),
    path("assessments/", include("assessments.urls")),
    path("annual-stats/", include("annual_stats.urls")),
    path("django-admin/", admin.site.urls),
]
