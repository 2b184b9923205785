"""Excel imports: template → upload → preview listing every error by row and column →
commit all or nothing.  Declare an importer in ``<app>/imports.py`` with
``base.Importer`` and ``registry.register``; ``services`` runs it."""
