"""The branches app's Excel imports (alxa_dangjian.ledgers.imports): members and
organisations.  Importing this package registers them.

Both follow the mechanism's rule: every lookup is one query for the whole file, and the rules
come from the models (``Member.clean()``, ``Organization.validate_tree()``), applied row by
row in memory.
"""

from .members import MemberImporter
from .organizations import OrganizationImporter

__all__ = ["MemberImporter", "OrganizationImporter"]
from .rating_standards import RatingStandardImporter  # noqa: E402, F401
