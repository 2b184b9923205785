"""The dues app's Excel imports (alxa_dangjian.ledgers.imports): the payment sheet. Importing
this package registers it."""

from .payments import DuesPaymentImporter

__all__ = ["DuesPaymentImporter"]
