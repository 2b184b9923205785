from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = "组织生活"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .compliance import connect_cache_invalidation
        from .models import ServiceRecord
        from .views.service_ledgers import bump_counts_version

        connect_cache_invalidation()
        for signal in (post_save, post_delete):
            signal.connect(bump_counts_version, sender=ServiceRecord, dispatch_uid="service-counts")
