from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class LedgersConfig(AppConfig):
    name = "alxa_dangjian.ledgers"
    label = "ledgers"
    verbose_name = "台账"

    def ready(self):
        # Each app declares its ledgers in `<app>.ledgers`; importing it registers them.
        autodiscover_modules("ledgers")
