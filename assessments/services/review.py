"""Writes of the review flow: a card reviewed, staff's decision on a tie at the 好 quota line,
a run's results frozen on its cards and published; `publication_preview` counts what each
step will do and what is still open."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from alxa_dangjian.accounts import roles
from alxa_dangjian.core import caching

from .. import scoring
from ..models import (
    AssessmentRun,
    Indicator,
    QuotaTieDecision,
    ScoreCard,
    ScoreEntry,
)
from . import results
from .access import require_scope

Kind = Indicator.Kind


@transaction.atomic
def review_card(card: ScoreCard, *, comment: str = "", by) -> ScoreCard:
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    require_scope(by, card.organization)
    if card.is_frozen:
        raise ValidationError("考核结果已冻结。")
    card.status = ScoreCard.Status.REVIEWED
    card.reviewed_at = timezone.now()
    card.comment = comment.strip()[:300]
    card._history_user = by
    card._change_reason = "审核通过"
    card.save()
    return card


@dataclass
class TiedOrganization:
    pk: int
    name: str
    chosen: bool


@dataclass
class PublicationPreview:
    """What freezing and publishing a run will do and what is still open, as the
    confirmation pages state it. Built by `publication_preview`, the one place these
    figures are counted."""

    run: AssessmentRun
    organizations: int
    to_freeze: int
    frozen: int
    to_publish: int
    published: int
    unreviewed: int
    missing_scores: int
    manual_indicators: int
    overrides: int
    quota: int | None
    tie: scoring.QuotaTie | None = None
    tied: list[TiedOrganization] = field(default_factory=list)
    decision: QuotaTieDecision | None = None
    decisions: list[QuotaTieDecision] = field(default_factory=list)

    @property
    def tie_open(self) -> bool:
        return self.tie is not None and self.decision is None

    def problems(self, action: str) -> list[str]:
        """Why `action` ("freeze" or "publish") is refused now (empty when it may go on)."""
        problems = []
        if self.run.status != AssessmentRun.Status.DONE:
            problems.append("只有已完成的计算结果可以冻结和发布。")
        if self.tie_open:
            problems.append(
                "有{n}个党组织总分同为{total}分，并列在“好”等次名额线上（剩余名额{places}个），"
                "请先决定其中哪些评为“好”。".format(
                    n=len(self.tied), total=self.tie.total, places=self.tie.places
                )
            )
        if action == "publish" and not self.frozen:
            problems.append("请先冻结计算结果再发布。")
        return problems


def _quota_tie(run: AssessmentRun):
    """The run's tie at the 好 quota line, from its stored totals (one query) and its latest
    decision (one query): (tie or None, the decision if it settles the tie, names by id)."""
    results = list(
        run.results.values_list(
            "organization_id", "organization__path", "organization__name", "total", "vetoed"
        )
    )
    rows = [scoring.Scored(pk, path, total, vetoed, {}) for pk, path, _, total, vetoed in results]
    latest = run.tie_decisions.select_related("decided_by").first()
    tie = scoring.grade_and_rank(run.snapshot, rows, latest)
    decision = latest if tie is not None and scoring.decision_fits(latest, tie) else None
    names = {pk: name for pk, _, name, _, _ in results}
    return tie, decision, names


def publication_preview(run: AssessmentRun) -> PublicationPreview:
    """Counts for the freeze and publish confirmations: cards to freeze and to publish,
    cards never reviewed, organisation × manual indicator pairs without a score, overrides
    of auto numbers, and the tie at the 好 quota line with staff's decision on it."""
    organizations = run.results.values("organization")
    cards = ScoreCard.objects.filter(year=run.year, organization__in=organizations).aggregate(
        to_freeze=Count("pk", filter=~Q(status=ScoreCard.Status.FROZEN)),
        frozen=Count("pk", filter=Q(frozen_run=run)),
        to_publish=Count("pk", filter=Q(frozen_run=run, published_at__isnull=True)),
        published=Count("pk", filter=Q(frozen_run=run, published_at__isnull=False)),
        unreviewed=Count(
            "pk", filter=Q(reviewed_at__isnull=True) & ~Q(status=ScoreCard.Status.REVIEWED)
        ),
    )
    indicators = run.snapshot.get("indicators", [])
    auto_ids = [i["id"] for i in indicators if i["kind"] == Kind.AUTO]
    overrides = ScoreEntry.objects.filter(
        indicator_id__in=auto_ids, organization__in=organizations
    ).count()
    tie, decision, names = _quota_tie(run)
    chosen = set(decision.chosen) if decision else set()
    return PublicationPreview(
        run=run,
        organizations=len(names),
        missing_scores=run.missing_scores,
        manual_indicators=sum(1 for i in indicators if i["kind"] == Kind.MANUAL),
        overrides=overrides,
        quota=scoring.excellent_quota(run.snapshot, len(names)),
        tie=tie,
        tied=[TiedOrganization(pk, names.get(pk, ""), pk in chosen) for pk in tie.organization_ids]
        if tie
        else [],
        decision=decision,
        decisions=list(run.tie_decisions.select_related("decided_by")),
        **cards,
    )


def _refuse(preview: PublicationPreview, action: str) -> None:
    problems = preview.problems(action)
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def decide_quota_tie(run: AssessmentRun, *, chosen: list[int], reason: str, by):
    """Staff decide which of the organisations tied at the 好 quota line get the remaining
    places; the run is re-graded at once. Kept as a new decision row (earlier ones stay)."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    require_scope(by, run.scope)
    run = AssessmentRun.objects.select_for_update().get(pk=run.pk)
    if run.status != AssessmentRun.Status.DONE:
        raise ValidationError("只有已完成的计算结果可以决定名额线并列。")
    if ScoreCard.objects.filter(frozen_run=run).exists():
        raise ValidationError("计算结果已冻结，等次不能再改变。")
    tie, _, names = _quota_tie(run)
    if tie is None:
        raise ValidationError("本次计算在“好”等次名额线上没有并列，无需决定。")
    picked = {int(pk) for pk in chosen}
    errors = {}
    if not picked <= set(tie.organization_ids) or len(picked) != tie.places:
        errors["chosen"] = "请从并列的{n}个党组织中选定{places}个评为“好”。".format(
            n=len(tie.organization_ids), places=tie.places
        )
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "请填写决定理由。"
    if errors:
        raise ValidationError(errors)
    decision = QuotaTieDecision.objects.create(
        run=run,
        tied=sorted(tie.organization_ids),
        chosen=sorted(picked),
        reason=reason[:300],
        decided_by=by,
    )
    results.finalise(run.pk)
    return decision


@transaction.atomic
def freeze_run(run: AssessmentRun, *, by) -> int:
    """Pin the run's numbers on every card it assessed; their scores can no longer change.
    Refused while a tie at the 好 quota line is undecided (the grades are not settled)."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    require_scope(by, run.scope)
    if run.status != AssessmentRun.Status.DONE:
        raise ValidationError("只有已完成的计算结果可以冻结。")
    _refuse(publication_preview(run), "freeze")
    cards = list(
        ScoreCard.objects.select_for_update()
        .filter(year=run.year, organization__in=run.results.values("organization"))
        .exclude(status=ScoreCard.Status.FROZEN)
    )
    for card in cards:
        card.status = ScoreCard.Status.FROZEN
        card.frozen_run = run
        card._history_user = by
        card._change_reason = f"冻结计算结果 #{run.pk}"
        card.save()
    return len(cards)


@transaction.atomic
def publish_run(run: AssessmentRun, *, by) -> int:
    """Publish the frozen cards of a run to their organisations (secretaries, committees)."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    require_scope(by, run.scope)
    cards = list(
        ScoreCard.objects.select_for_update().filter(frozen_run=run, published_at__isnull=True)
    )
    if not cards and not ScoreCard.objects.filter(frozen_run=run).exists():
        raise ValidationError("请先冻结计算结果再发布。")
    _refuse(publication_preview(run), "publish")
    now = timezone.now()
    for card in cards:
        card.published_at = now
        card._history_user = by
        card._change_reason = "发布考核结果"
        card.save()
    return len(cards)
