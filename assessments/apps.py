from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "责任清单与年度考核"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each app's auto indicators register themselves (see assessments/indicators.py).
        autodiscover_modules("indicators")
        from . import (  # noqa: F401  (each registers its indicators)
            branch_indicators,
            item_states,
        )
