from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The top floor: pages that gather every app (home and cockpit, the organisation
    profile, print views) and the demo league. Nothing below imports it."""

    name = "portal"
    verbose_name = "门户"
