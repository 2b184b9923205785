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
from .runs import (  # noqa: F401 - the year-end runs, their results and the score cards
    AssessmentResult,
    AssessmentRun,
    MeasureResult,
    QuotaTieDecision,
    RunChunk,
    ScoreCard,
)
from .scoring import (  # noqa: F401 - the year-end assessment (述职评议考核)
    AssessmentScheme,
    DemocraticVote,
    DutyReport,
    Grade,
    GradeThreshold,
    Indicator,
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
