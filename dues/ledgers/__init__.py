"""Dues ledgers through the one export mechanism: 党费收缴台账 (members × months of a year),
the arrears list of a scope, and the remittance-and-use summary. Importing this package
registers them."""

# The export page lists ledgers in the order they register: the year's ledger first.
from . import collection  # noqa: F401

# isort: split
from . import arrears, funds  # noqa: F401
