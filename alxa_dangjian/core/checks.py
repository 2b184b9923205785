"""System checks that keep a production start from running on a published secret."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# Keys anyone can read: Django marks generated development keys with this prefix (the
# fallback in settings.py carries it too), and .env.example ships the placeholder below.
PUBLISHED_KEY_PREFIX = "django-insecure-"
ENV_EXAMPLE_PLACEHOLDER = "replace-with-the-output-of-secrets-token-urlsafe-50-before-use-xyz"


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With DEBUG off, SECRET_KEY must be set and not a published one: with a known key
    anyone can forge session cookies, password-reset links and signed values."""
    if settings.DEBUG:
        return []
    key = settings.SECRET_KEY
    if key.startswith(PUBLISHED_KEY_PREFIX) or key == ENV_EXAMPLE_PLACEHOLDER:
        return [
            checks.Error(
                "SECRET_KEY 未设置或仍是公开的示例值，生产环境（DEBUG 关闭）不能使用。",
                hint='用 python -c "import secrets; print(secrets.token_urlsafe(50))" '
                "生成一个新值，写入环境变量 SECRET_KEY。",
                id="core.E001",
            )
        ]
    return []


def refuse_published_secret_key() -> None:
    """Called where a server starts: gunicorn and runserver run no deployment checks."""
    errors = check_secret_key()
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")
