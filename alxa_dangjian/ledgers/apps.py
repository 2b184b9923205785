from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "alxa_dangjian.ledgers"
    label = "ledgers"
    verbose_name = "台账"
