from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = "组织生活"

    def ready(self):
        from .compliance import connect_cache_invalidation

        connect_cache_invalidation()
