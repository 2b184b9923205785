"""The branches app's ledgers (alxa_dangjian.ledgers): 党员花名册, 组织台账, 换届台账, 发展党员台账,
最强党支部名单, 评分表 and 评星标准. Importing this package registers them, in the order the ledger
list shows them."""

from . import members, organizations  # noqa: I001  (registration order is the list's order)
from . import development, ratings, rating_standards

__all__ = ["development", "members", "organizations", "rating_standards", "ratings"]
