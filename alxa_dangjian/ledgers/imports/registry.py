"""Importers declare themselves with ``@register``; apps keep them in ``<app>/imports.py``,
which is imported on first use, so adding an importer needs no change here."""

from __future__ import annotations

from django.utils.module_loading import autodiscover_modules

from .base import Importer

_importers: dict[str, Importer] = {}
_discovered = False


def register(cls: type[Importer]) -> type[Importer]:
    if not cls.code or cls.code in _importers:
        raise ValueError(f"importer code {cls.code!r} is empty or already registered")
    _importers[cls.code] = cls()
    return cls


def get_importer(code: str) -> Importer | None:
    global _discovered
    if not _discovered:
        autodiscover_modules("imports")
        _discovered = True
    return _importers.get(code)
