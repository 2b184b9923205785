"""Ledgers of organisational life, all through the one export mechanism
(alxa_dangjian.ledgers). Importing this package registers them."""

# The export list shows ledgers in the order they register: the record book first.
# isort: off
from . import records  # noqa: F401
from . import compliance  # noqa: F401
from . import service_ledgers  # noqa: F401
# isort: on
