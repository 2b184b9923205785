"""Excel ledgers of the app, autodiscovered by alxa_dangjian.ledgers: the responsibility
lists (lists), the year-end results and score cards (results) and the 一张表格 (sheet).
Importing a module registers its ledgers."""

from . import lists, results, sheet  # noqa: F401
