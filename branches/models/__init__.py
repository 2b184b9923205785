from .development import (
    STAGE_AFTER_STEP,
    STEP_ORDER,
    DevelopmentCase,
    DevelopmentStep,
    Stage,
    Step,
    TimingRule,
)
from .members import ETHNIC_GROUPS, Member, MemberTransfer
from .organizations import (
    CommitteeSeat,
    Organization,
    PartyGroup,
    ServedUnit,
    Term,
    TermLengthRule,
    add_years,
)

__all__ = [
    "ETHNIC_GROUPS",
    "STAGE_AFTER_STEP",
    "STEP_ORDER",
    "CommitteeSeat",
    "DevelopmentCase",
    "DevelopmentStep",
    "Member",
    "MemberTransfer",
    "Organization",
    "PartyGroup",
    "ServedUnit",
    "Stage",
    "Step",
    "Term",
    "TermLengthRule",
    "TimingRule",
    "add_years",
]
