from .attachments import Attachment
from .explanations import OverdueExplanation
from .joint import JointParticipation
from .records import (
    Activity,
    ActivityEvent,
    ActivityKind,
    Attendance,
    CampaignTag,
    Exemption,
    FrequencyRule,
)
from .service_ledgers import ServiceEvidence, ServiceLedgerType, ServiceRecord

__all__ = [
    "Activity",
    "ActivityEvent",
    "ActivityKind",
    "Attachment",
    "Attendance",
    "CampaignTag",
    "Exemption",
    "FrequencyRule",
    "JointParticipation",
    "OverdueExplanation",
    "ServiceEvidence",
    "ServiceLedgerType",
    "ServiceRecord",
]
