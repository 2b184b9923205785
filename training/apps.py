from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "干部培训"

    def ready(self):
        from . import history  # noqa: F401  (enrolments in the member page's 变更记录)
