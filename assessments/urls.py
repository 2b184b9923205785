"""Each view module of the app declares its own `urlpatterns`; this module joins them.

For the year-end assessment (views/scoring.py, owned by the scoring work): its `urlpatterns`
are picked up below as soon as the module exists. Once it does, feel free to replace the
try/except with a plain `from .views import lists, scoring` and `*scoring.urlpatterns`.
"""

import importlib

from .views import branch_indicator_detail, items, lists

app_name = "assessments"

urlpatterns = [*lists.urlpatterns, *items.urlpatterns, *branch_indicator_detail.urlpatterns]

try:
    scoring = importlib.import_module("assessments.views.scoring")
except ModuleNotFoundError as missing:
    if missing.name != "assessments.views.scoring":
        raise
else:
    urlpatterns += scoring.urlpatterns
