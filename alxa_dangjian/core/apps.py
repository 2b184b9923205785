from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "alxa_dangjian.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
