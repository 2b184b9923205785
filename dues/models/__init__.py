from .funds import DuesExpense, DuesRemittance, DuesVoucher
from .ledger import DuesAssessment, DuesMonth, DuesPayment
from .rates import KINDS_WITH_BASE, BaseKind, DuesBracket, DuesRateTable, DuesSetting

__all__ = [
    "KINDS_WITH_BASE",
    "BaseKind",
    "DuesAssessment",
    "DuesBracket",
    "DuesExpense",
    "DuesMonth",
    "DuesPayment",
    "DuesRateTable",
    "DuesRemittance",
    "DuesSetting",
    "DuesVoucher",
]
