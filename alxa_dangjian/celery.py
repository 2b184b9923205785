import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alxa_dangjian.settings")

app = Celery("alxa_dangjian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
