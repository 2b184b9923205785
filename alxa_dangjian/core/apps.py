from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "alxa_dangjian.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import checks  # noqa: F401 - registers the system checks
        from .collation import register_on_sqlite

        connection_created.connect(register_on_sqlite, dispatch_uid="core.collation")
