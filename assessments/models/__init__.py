"""Models of the assessments app, one module per topic; each topic adds its import line here."""

from .lists import (
    CheckpointEntry,
    CheckpointEvidence,
    CheckpointWindow,
    ResponsibilityItem,
    ResponsibilityList,
    ResponsibilityListType,
    Stage,
)
from .scoring import (  # noqa: F401 - the year-end assessment (述职评议考核)
    AssessmentResult,
    AssessmentRun,
    AssessmentScheme,
    DemocraticVote,
    DutyReport,
    Grade,
    GradeThreshold,
    Indicator,
    MeasureResult,
    QuotaTieDecision,
    RunChunk,
    ScoreCard,
    ScoreEntry,
    Target,
)

__all__ = [
    "CheckpointEntry",
    "CheckpointEvidence",
    "CheckpointWindow",
    "ResponsibilityItem",
    "ResponsibilityList",
    "ResponsibilityListType",
    "Stage",
]
