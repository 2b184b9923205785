"""An organisation's terms (届次): the dated term-length rule, each elected term with its planned
and adjusted end, and the committee seats held during it."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import IntegerField, Q, Value
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from alxa_dangjian.core import rules

from .organizations import Organization, add_years

APPOINTED_NO_ELECTION = "党工委/机关工委由上级党委任命（派出机关），不进行换届选举，没有届次。"


class TermLengthRule(models.Model):
    """How many years a term lasts for one organisation type, from a date on (rows, edited by
    the work committee with history). A term takes the row in force on its election day and
    stores the length, so a later rule never shortens or lengthens a term already elected
    (党章 2022 修正案: a committee elected before it finishes the term it was elected for)."""

    organization_type = models.CharField(
        "组织类型", max_length=20, choices=Organization.Type.choices
    )
    effective_from = models.DateField("施行日期", help_text="此日及以后选举产生的届次适用。")
    years = models.PositiveSmallIntegerField("任期（年）")
    basis = models.CharField("依据", max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "任期规则"
        verbose_name_plural = "任期规则"
        ordering = ["organization_type", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization_type", "effective_from"],
                name="branches_termlengthrule_unique_type_date",
            )
        ]

    def __str__(self):
        return (
            f"{self.get_organization_type_display()}：{self.years}年"
            f"（{self.effective_from:%Y-%m-%d}起）"
        )

    def clean(self):
        if self.organization_type == Organization.Type.WORK_COMMITTEE:
            raise ValidationError({"organization_type": APPOINTED_NO_ELECTION})
        if self.organization_type == Organization.Type.TEMPORARY_BRANCH:
            raise ValidationError({"organization_type": "临时党支部不进行选举，没有任期。"})

    @classmethod
    def length_for(cls, organization_type: str, elected_on: datetime.date) -> int | None:
        """The years of the row in force on the election day (None: no rule covers it)."""
        rule = (
            cls.objects.filter(organization_type=organization_type, effective_from__lte=elected_on)
            .order_by("-effective_from")
            .first()
        )
        return rule.years if rule else None


# A term stores its length when recorded, so a run only records these rows for the trace.
rules.register(TermLengthRule)


class TermQuerySet(ScopedQuerySet):
    def current(self):
        return self.filter(actual_end__isnull=True)

    def ending_in(self, year: int):
        """Current terms whose due end falls in `year` (or earlier: already overdue)."""
        return self.current().filter(due_end__lte=datetime.date(year, 12, 31))


class Term(models.Model):
    """One elected term (届次) of an organisation's committee."""

    MAX_ADJUSTMENT_DAYS = 366  # 选举工作条例: advance or delay normally at most one year

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="terms"
    )
    number = models.PositiveSmallIntegerField("届次")
    elected_on = models.DateField("选举日期")
    length_years = models.PositiveSmallIntegerField("任期（年）")
    planned_end = models.DateField("应届满日期", editable=False)
    adjusted_end = models.DateField("批准提前/延期至", null=True, blank=True)
    adjustment_approval_no = models.CharField("提前/延期批复文号", max_length=60, blank=True)
    # Stored so that "terms ending in a year" is one indexed filter across the league.
    due_end = models.DateField("届满日期", editable=False, db_index=True)
    actual_end = models.DateField("实际换届日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = "届次"
        verbose_name_plural = "届次"
        ordering = ["organization", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="branches_term_unique_number"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(actual_end__isnull=True),
                name="branches_term_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.organization.display_name} 第{self.number}届"

    def save(self, *args, **kwargs):
        self.planned_end = add_years(self.elected_on, self.length_years)
        self.due_end = self.adjusted_end or self.planned_end
        super().save(*args, **kwargs)

    def clean(self):
        if self.organization_id and self.organization.is_temporary:
            raise ValidationError("临时党支部不进行选举，不能登记届次。")
        if self.organization_id and self.organization.type == Organization.Type.WORK_COMMITTEE:
            raise ValidationError(APPOINTED_NO_ELECTION)
        if not self.elected_on or not self.length_years:
            return
        planned = add_years(self.elected_on, self.length_years)
        if self.adjusted_end:
            if abs((self.adjusted_end - planned).days) > self.MAX_ADJUSTMENT_DAYS:
                message = "提前或延期换届一般不超过1年（应届满日期为{planned}）。"
                raise ValidationError({"adjusted_end": message.format(planned=planned)})
            if not self.adjustment_approval_no.strip():
                raise ValidationError({"adjustment_approval_no": "提前或延期换届须填写批复文号。"})
        if self.actual_end and self.actual_end < self.elected_on:
            raise ValidationError({"actual_end": "实际换届日期不能早于选举日期。"})

    @property
    def is_current(self) -> bool:
        return self.actual_end is None

    def days_to_expiry(self, today: datetime.date | None = None) -> int:
        return (self.due_end - (today or datetime.date.today())).days


class CommitteeSeatQuerySet(ScopedQuerySet):
    def current(self):
        return self.filter(ended_on__isnull=True)

    def in_post_order(self):
        """书记 first, then 副书记, the three named posts and plain 委员 (the choices order)."""
        order = models.Case(
            *(
                models.When(post=value, then=Value(index))
                for index, value in enumerate(CommitteeSeat.Post.values)
            ),
            output_field=IntegerField(),
        )
        return self.order_by(order, "started_on", "pk")


PROBATIONARY_SEAT_MESSAGE = (
    "预备党员没有被选举权（《中国共产党章程》第七条），不能担任书记、副书记或委员。"
)


class CommitteeSeat(models.Model):
    class Post(models.TextChoices):
        SECRETARY = "secretary", "书记"
        DEPUTY_SECRETARY = "deputy", "副书记"
        ORGANIZATION = "organization", "组织委员"
        PUBLICITY = "publicity", "宣传委员"
        DISCIPLINE = "discipline", "纪检委员"
        MEMBER = "member", "委员"

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="seats"
    )
    member = models.ForeignKey(
        "branches.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="seats"
    )
    post = models.CharField("职务", max_length=20, choices=Post.choices)
    started_on = models.DateField("任职日期")
    ended_on = models.DateField("离任日期", null=True, blank=True)

    objects = CommitteeSeatQuerySet.as_manager()

    # A branch with fewer than 7 full members has only these (支部工作条例).
    LEADING_POSTS = (Post.SECRETARY, Post.DEPUTY_SECRETARY)

    class Meta:
        verbose_name = "委员会成员"
        verbose_name_plural = "委员会成员"
        ordering = ["organization", "post", "started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(post="secretary", ended_on__isnull=True),
                name="branches_committeeseat_one_secretary",
            ),
        ]

    def __str__(self):
        return f"{self.get_post_display()} {self.member.name}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    def clean(self):
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": "离任日期不能早于任职日期。"})
        # Who may take a seat is checked while it is held; ending one never depends on it.
        if not (self.organization_id and self.member_id) or self.ended_on is not None:
            return
        if not self.organization.may_seat(self.member):
            if self.organization.is_branch and not self.organization.is_temporary:
                raise ValidationError({"member": "委员须是本支部的党员。"})
            raise ValidationError({"member": "委员须是本组织或其下级组织的党员。"})
        if self.member.standing != self.member.Standing.NORMAL:
            raise ValidationError({"member": "该党员党籍状态不是“正常”，不能担任委员。"})
        # 党章第七条: a 预备党员 has no right to be elected. A 临时党支部's officers are
        # appointed by the organisation that set it up, not elected, so the rule is not
        # applied to them (DOMAIN.md §2); every other committee here is elected.
        probationary = self.member.status == self.member.Status.PROBATIONARY
        if probationary and not self.organization.is_temporary:
            raise ValidationError({"member": PROBATIONARY_SEAT_MESSAGE})
