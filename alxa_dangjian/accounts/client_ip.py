"""The client address that login lockouts are keyed on (AXES_CLIENT_IP_CALLABLE)."""

import ipaddress

from django.conf import settings


def client_ip_address(request) -> str | None:
    """The address that connected to the outermost trusted proxy.

    Each trusted proxy appends the address it saw to X-Forwarded-For, so behind
    TRUSTED_PROXY_COUNT proxies the client is the entry that many places from the right;
    anything further left was written by the client and is ignored. With no trusted proxy
    the header is ignored altogether and the connecting address is the client.

    django-ipware's own resolution (axes' default) is not used: it only accepts a chain of
    exactly the configured length, so a client that prepends one forged entry falls back to
    the proxy's address and shares one lockout key with every other such client."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = settings.TRUSTED_PROXY_COUNT
    if not trusted:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < trusted or not hops[-trusted]:
        # Not every trusted proxy wrote its entry: the request did not come the expected way.
        return remote
    try:
        return str(ipaddress.ip_address(hops[-trusted]))
    except ValueError:
        return remote
