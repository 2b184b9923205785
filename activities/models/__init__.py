from .records import (
    Activity,
    ActivityEvent,
    ActivityKind,
    Attendance,
    CampaignTag,
    Exemption,
    FrequencyRule,
)

__all__ = [
    "Activity",
    "ActivityEvent",
    "ActivityKind",
    "Attendance",
    "CampaignTag",
    "Exemption",
    "FrequencyRule",
]
