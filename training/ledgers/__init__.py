"""Ledgers of cadre training, all through the one export mechanism (alxa_dangjian.ledgers).
Importing this package registers them, in the order the export list shows them.

Every queryset is scoped (`visible_to`) and shaped into `values_list` rows with joins,
annotations and subqueries, so an export runs a fixed number of queries at any size.
"""

from . import classes, hours, teachers  # noqa: F401
