from django.apps import AppConfig


class AnnualStatsConfig(AppConfig):
    name = "annual_stats"
    verbose_name = "党内统计年报"
