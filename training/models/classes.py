"""Training classes (示范培训班 held by the work committee, or a branch's own sessions), their
timetable, and who attended for how many 学时."""

from decimal import Decimal

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from branches.models import Member, Organization

from .rules import SchemeComponent
from .teachers import Course


class TrainingClassQuerySet(ScopedQuerySet):
    def in_year(self, year: int):
        return self.filter(starts_on__year=year)

    def with_counts(self):
        """`enrolled_count` and `signed_in_count` as subqueries of the same query."""
        enrollments = Enrollment.objects.filter(training_class=models.OuterRef("pk")).order_by()

        def count(queryset):
            rows = queryset.values("training_class").annotate(n=models.Count("pk")).values("n")
            return models.functions.Coalesce(
                models.Subquery(rows, output_field=models.IntegerField()), 0
            )

        return self.annotate(
            enrolled_count=count(enrollments),
            signed_in_count=count(enrollments.filter(signed_in=True)),
        )


class TrainingClass(models.Model):
    class Kind(models.TextChoices):
        DEMONSTRATION = "demonstration", "示范培训班"
        BRANCH = "branch", "支部培训"

    title = models.CharField("培训班名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.BRANCH)
    # The owner: a branch for its own sessions; a league-wide class belongs to the root.
    organization = models.ForeignKey(
        Organization,
        verbose_name="主办党组织",
        on_delete=models.PROTECT,
        related_name="training_classes",
    )
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    component = models.ForeignKey(
        SchemeComponent,
        verbose_name="计入培训模式组成",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="classes",
    )
    location = models.CharField("地点", max_length=100, blank=True)
    cost = models.DecimalField("经费（元）", max_digits=12, decimal_places=2, default=Decimal("0"))
    # Sum of the sessions' credited hours, kept by the services: the most a person can earn.
    length_hours = models.DecimalField(
        "班次总学时", max_digits=6, decimal_places=1, default=Decimal("0"), editable=False
    )
    note = models.CharField("备注", max_length=300, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = TrainingClassQuerySet.as_manager()
    # 班次总学时 follows the sessions (whose own history says why it changed).
    history = HistoricalRecords(excluded_fields=["length_hours", "created_at", "updated_at"])

    class Meta:
        verbose_name = "培训班"
        verbose_name_plural = "培训班"
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="training_trainingclass_dates",
            ),
            models.CheckConstraint(
                condition=models.Q(cost__gte=0), name="training_trainingclass_cost"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("training:trainingclass-detail", args=[self.pk])


class ClassSessionQuerySet(ScopedQuerySet):
    scope_field = "training_class__organization"


class ClassSession(models.Model):
    """One slot of a class's timetable; its 学时 follow the counting in force (HourCounting)."""

    class Duration(models.TextChoices):
        FULL_DAY = "full_day", "全天"
        HALF_DAY = "half_day", "半天"
        HOURS = "hours", "按小时"

    training_class = models.ForeignKey(
        TrainingClass, verbose_name="培训班", on_delete=models.CASCADE, related_name="sessions"
    )
    held_on = models.DateField("日期")
    duration = models.CharField("时长", max_length=10, choices=Duration.choices)
    clock_hours = models.DecimalField(
        "小时数",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="按小时计时填写。",
    )
    course = models.ForeignKey(
        Course,
        verbose_name="课程",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )
    topic = models.CharField("专题", max_length=100, blank=True)
    credit_hours = models.DecimalField("计学时", max_digits=4, decimal_places=1, editable=False)

    objects = ClassSessionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "课程安排"
        verbose_name_plural = "课程安排"
        ordering = ["training_class", "held_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(duration="hours")
                | models.Q(clock_hours__isnull=False, clock_hours__gt=0),
                name="training_classsession_clock_hours",
            ),
        ]

    def __str__(self):
        return f"{self.held_on} {self.course or self.topic or self.get_duration_display()}"


class EnrollmentQuerySet(ScopedQuerySet):
    scope_field = "training_class__organization"

    def signed_in(self):
        return self.filter(signed_in=True)

    def in_year(self, year: int):
        return self.filter(training_class__starts_on__year=year)


class Enrollment(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", "手工登记"
        IMPORT = "import", "签到表导入"

    training_class = models.ForeignKey(
        TrainingClass, verbose_name="培训班", on_delete=models.CASCADE, related_name="enrollments"
    )
    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="training_enrollments"
    )
    signed_in = models.BooleanField("已签到", default=False)
    signed_in_at = models.DateTimeField("签到登记时间", null=True, blank=True)
    hours_earned = models.DecimalField(
        "获得学时", max_digits=5, decimal_places=1, default=Decimal("0")
    )
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.MANUAL)
    recorded_by = models.ForeignKey(
        "accounts.User",
        verbose_name="登记人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = EnrollmentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "参训记录"
        verbose_name_plural = "参训记录"
        ordering = ["training_class", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "member"], name="training_enrollment_unique_member"
            ),
            models.CheckConstraint(
                condition=models.Q(hours_earned__gte=0), name="training_enrollment_hours"
            ),
        ]

    def __str__(self):
        return f"{self.member.name} · {self.training_class.title}"
