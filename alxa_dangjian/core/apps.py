from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "alxa_dangjian.core"
    label = "core"
    verbose_name = "平台基础"
