import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alxa_dangjian.settings")
application = get_asgi_application()

from alxa_dangjian.core.checks import refuse_published_secret_key  # noqa: E402 - needs setup

refuse_published_secret_key()
