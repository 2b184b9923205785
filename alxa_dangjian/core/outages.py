"""A service the portal depends on is unreachable: the answer is the portal's own 503 page in
Chinese, naming the service, never a traceback or a bare 500.

Views raise these errors through the middleware's `process_exception`; errors raised while a
middleware runs (the session or the user read from a database that is down) reach Django's
500 handler, which `server_error` replaces: it answers 503 for the same errors, 500 otherwise.
"""

import logging
import sys

from django.db import InterfaceError
from django.db import OperationalError as DatabaseError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

SERVICES = {
    "database": "数据库",
    "cache": "缓存服务",
    "broker": "后台任务服务",
}
# Seconds a browser or proxy is told to wait before trying again.
RETRY_AFTER = 60


def service_of(error: BaseException) -> str | None:
    """Which dependency `error` says is unreachable (a key of SERVICES), or None."""
    if isinstance(error, DatabaseError | InterfaceError):
        return "database"
    if isinstance(error, BrokerError):
        return "broker"
    if isinstance(error, RedisConnectionError | RedisTimeoutError):
        return "cache"
    return None


def unavailable(service: str) -> HttpResponse:
    # Rendered without the request: no context processor may touch the service that is down.
    body = loader.render_to_string(
        "503.html", {"service": SERVICES[service], "service_code": service}
    )
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class ServiceOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        service = service_of(exception)
        if service is None:
            return None
        logger.error(
            "%s unreachable during %s %s: %s",
            service,
            request.method,
            request.path,
            exception,
            exc_info=exception,
        )
        return unavailable(service)


def server_error(request, template_name="500.html"):
    """handler500: 503 when the error is an unreachable service, else the plain 500 page."""
    error = sys.exc_info()[1]
    service = service_of(error) if error is not None else None
    if service is not None:
        return unavailable(service)
    return HttpResponseServerError(loader.render_to_string(template_name))
