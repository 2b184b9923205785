"""The report's definition as data: the national tables change from year to year, so a
table and each of its rows are records (seeded by migration 0002 as a labelled sample),
while what a row may count by — its dimension — is code (annual_stats/dimensions.py)."""

from django.db import models
from django.urls import reverse

from alxa_dangjian.accounts.scoping import ScopedQuerySet

SAMPLE_NOTE = "示例表式，参照党内统计常用表式编制，请按上级组织部门当年下发的表式调整。"


class StatTable(models.Model):
    class Kind(models.TextChoices):
        MEMBERS = "members", "党员"
        ORGANIZATIONS = "organizations", "党组织"
        CHANGES = "changes", "党员增减"
        DEVELOPMENT = "development", "发展党员"
        SECRETARIES = "secretaries", "基层党组织书记"

    code = models.SlugField("表号", max_length=20, unique=True, allow_unicode=True)
    title = models.CharField("表名", max_length=60)
    kind = models.CharField("统计对象", max_length=20, choices=Kind.choices)
    position = models.PositiveSmallIntegerField("排序", default=0)
    note = models.CharField("说明", max_length=200, blank=True, default=SAMPLE_NOTE)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "统计表"
        verbose_name_plural = "统计表"
        ordering = ["position", "code"]

    def __str__(self):
        return f"{self.code} {self.title}"


class StatRow(models.Model):
    """One line of a table: what it counts is `dimension` equal to `value` (a choice key, a
    group name, or a range written "low-high" / "yyyy-mm-dd/yyyy-mm-dd", either side open)."""

    table = models.ForeignKey(
        StatTable, verbose_name="统计表", on_delete=models.CASCADE, related_name="rows"
    )
    position = models.PositiveSmallIntegerField("行次")
    label = models.CharField("栏目", max_length=60)
    dimension = models.CharField("统计口径", max_length=30)
    value = models.CharField("取值", max_length=60, blank=True)
    indent = models.PositiveSmallIntegerField("缩进", default=0)

    class Meta:
        verbose_name = "统计表栏目"
        verbose_name_plural = "统计表栏目"
        ordering = ["table", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "position"], name="annual_stats_statrow_unique_position"
            )
        ]

    def __str__(self):
        return self.label


class FrozenReportQuerySet(ScopedQuerySet):
    def of(self, place, day):
        return self.filter(organization=place, day=day).order_by("-version")


class FrozenReport(models.Model):
    """A submitted report: its numbers as they were when submitted, whatever is corrected
    later. A correction is submitted as the next version, with its reason and its diff."""

    organization = models.ForeignKey(
        "branches.Organization",
        verbose_name="统计范围",
        on_delete=models.PROTECT,
        related_name="+",
    )
    day = models.DateField("统计截止日")
    version = models.PositiveSmallIntegerField("版本")
    # [{"code", "title", "kind", "rows": [[position, label, value], …]}, …]: what the page showed.
    tables = models.JSONField("报表数字")
    checks = models.JSONField("数据检查")
    note = models.CharField("更正说明", max_length=200, blank=True)
    frozen_by = models.ForeignKey(
        "accounts.User", verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    frozen_at = models.DateTimeField("提交时间", auto_now_add=True)

    objects = FrozenReportQuerySet.as_manager()

    class Meta:
        verbose_name = "已提交的统计年报"
        verbose_name_plural = "已提交的统计年报"
        ordering = ["-day", "organization", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "version"],
                name="annual_stats_frozenreport_one_version",
            )
        ]

    def __str__(self):
        return f"{self.organization} {self.day:%Y-%m-%d} 第{self.version}版"

    def get_absolute_url(self):
        return reverse("annual_stats:frozenreport-detail", args=[self.pk])

    def values(self) -> dict[tuple[str, int], tuple[str, object]]:
        """(table code, row position) → (label, value), for diffs."""
        return {
            (table["code"], position): (f"{table['code']} {label}", value)
            for table in self.tables
            for position, label, value in table["rows"]
        }
