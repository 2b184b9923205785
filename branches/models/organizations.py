"""The party organisations: the tree (path-based, scoped), the units each serves and its party
groups (党小组). Terms and committee seats are in terms.py."""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Substr
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from alxa_dangjian.core.collation import PINYIN


class OrganizationQuerySet(ScopedQuerySet):
    scope_field = ""

    def subtree(self, organization):
        """The organisation and all its descendants: one query at any depth."""
        return self.filter(path__startswith=organization.path)

    def active(self):
        return self.filter(is_active=True)

    def existing_on(self, day: datetime.date):
        """Active organisations founded by `day` (no founding date: always counted): what the
        cockpit's 党组织 figures count, and the organisation list's `as_of` filter."""
        return self.active().filter(Q(established_on__isnull=True) | Q(established_on__lte=day))

    def branches(self):
        return self.filter(type__in=Organization.BRANCH_TYPES)

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(short_name__icontains=text))

    def with_roster_counts(self):
        """Annotate what `Organization.setup_warnings` needs, as subqueries of the same query.

        Counts are of the organisation's own members in good standing (a branch's roster):
        `full_count`, `probationary_count`; of its current committee: `committee_size`
        (distinct members holding a seat), `committee_post_count` (seats other than 书记 and
        副书记), `secretary_count`; and `unit_count` (units served).
        """
        from .members import Member
        from .terms import CommitteeSeat

        members = Member.objects.in_good_standing()
        seats = CommitteeSeat.objects.current()
        return self.annotate(
            full_count=_count_of(members.filter(status=Member.Status.FULL)),
            probationary_count=_count_of(members.filter(status=Member.Status.PROBATIONARY)),
            committee_size=_count_of(seats, Count("member", distinct=True)),
            committee_post_count=_count_of(seats.exclude(post__in=CommitteeSeat.LEADING_POSTS)),
            secretary_count=_count_of(seats.filter(post=CommitteeSeat.Post.SECRETARY)),
            unit_count=_count_of(ServedUnit.objects.all()),
        )


def _count_of(queryset, aggregate=None):
    """A correlated COUNT over rows pointing at the outer organisation (0 when none)."""
    rows = (
        queryset.filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(n=aggregate or Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


class Organization(models.Model):
    class Type(models.TextChoices):
        WORK_COMMITTEE = "work_committee", "党工委/机关工委"
        COMMITTEE = "committee", "党委"
        ORGAN_COMMITTEE = "organ_committee", "机关党委"
        GENERAL_BRANCH = "general_branch", "党总支"
        BRANCH = "branch", "党支部"
        JOINT_BRANCH = "joint_branch", "联合党支部"
        TEMPORARY_BRANCH = "temporary_branch", "临时党支部"

    class Category(models.TextChoices):
        PARTY_MASS = "party_mass", "党群部门"
        SOCIAL = "social", "社会事务"
        ECONOMIC = "economic", "经济管理和综合执法"
        STATE_OWNED = "state_owned", "国有企业"
        OTHER = "other", "其他"

    # A child must rank strictly below its parent (larger number = lower rank).
    RANKS = {
        Type.WORK_COMMITTEE: 0,
        Type.COMMITTEE: 1,
        Type.ORGAN_COMMITTEE: 1,
        Type.GENERAL_BRANCH: 2,
        Type.BRANCH: 3,
        Type.JOINT_BRANCH: 3,
        Type.TEMPORARY_BRANCH: 3,
    }
    BRANCH_TYPES = (Type.BRANCH, Type.JOINT_BRANCH, Type.TEMPORARY_BRANCH)
    COMMITTEE_TYPES = (Type.COMMITTEE, Type.ORGAN_COMMITTEE, Type.GENERAL_BRANCH)

    type = models.CharField("组织类型", max_length=20, choices=Type.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级党组织",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    category = models.CharField(
        "分类指导类别", max_length=20, choices=Category.choices, default=Category.OTHER
    )
    name = models.CharField("全称", max_length=100, unique=True, db_collation=PINYIN)
    short_name = models.CharField("简称", max_length=40, blank=True, db_collation=PINYIN)
    established_on = models.DateField("成立日期", null=True, blank=True)
    is_active = models.BooleanField("有效", default=True)
    # Materialised path "000001/000007/…": a subtree is one `startswith` query at any depth.
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = OrganizationQuerySet.as_manager()
    # Who changed what and why (alxa_dangjian/core/history.py); the tree columns follow the
    # parent and are not a change of their own.
    history = HistoricalRecords(excluded_fields=["path", "depth", "created_at", "updated_at"])

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(parent__isnull=True, type="work_committee")
                    | (Q(parent__isnull=False) & ~Q(type="work_committee"))
                ),
                name="branches_organization_root_is_work_committee",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.validate_tree()
        with transaction.atomic():
            if self._state.adding:
                # The path embeds the primary key, which exists only after the insert.
                self.path = f"tmp-{uuid.uuid4().hex}"
                super().save(*args, **kwargs)
                self._set_path(self._expected_path())
                return
            old_path = self.path
            new_path = self._expected_path()
            super().save(*args, **kwargs)
            if new_path != old_path:
                self._move_subtree(old_path, new_path)

    def get_absolute_url(self):
        return reverse("branches:organization-detail", args=[self.pk])

    @property
    def rank(self) -> int:
        return self.RANKS[self.type]

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def is_branch(self) -> bool:
        return self.type in self.BRANCH_TYPES

    @property
    def is_temporary(self) -> bool:
        return self.type == self.Type.TEMPORARY_BRANCH

    @property
    def holds_elections(self) -> bool:
        """Whether the committee is elected for terms: not a 临时党支部 (appointed officers)
        nor the root work committee (appointed by the 盟委)."""
        return not self.is_temporary and self.type != self.Type.WORK_COMMITTEE

    @property
    def takes_members(self) -> bool:
        """Whether members' organisational relationships may be kept here."""
        return self.is_active and self.is_branch and not self.is_temporary

    @property
    def member_count(self) -> int:
        """Members in good standing; needs `with_roster_counts()`."""
        return self.full_count + self.probationary_count

    def clean(self):
        self.validate_tree()

    def setup_warnings(self, *, current_term=None, today: datetime.date | None = None) -> list:
        """Breaches of the set-up and term rules (支部工作条例, 选举工作条例), as Chinese sentences.

        Shown on the branch page as warnings, never enforced. The counts come from
        `Organization.objects.with_roster_counts()`; `current_term` is the term without an
        actual end, or None.
        """
        if not self.is_active:
            return []
        today = today or datetime.date.today()
        warnings = []
        if self.is_branch and not self.is_temporary:
            warnings.extend(self._branch_setup_warnings())
        if current_term is not None and self.holds_elections:
            days = current_term.days_to_expiry(today)
            due = _chinese_date(current_term.due_end)
            if days < 0:
                message = "本届任期已于{due}届满，已超期{days}天，应及时换届。"
                warnings.append(message.format(due=due, days=-days))
            elif current_term.due_end.year == today.year:
                message = "本届任期将于今年{due}届满（还有{days}天），请提前2个月报请换届。"
                warnings.append(message.format(due=due, days=days))
        return warnings

    def _branch_setup_warnings(self) -> list:
        full, size = self.full_count, self.committee_size
        warnings = []
        if full < 3:
            if self.type == self.Type.JOINT_BRANCH:
                message = "正式党员不足3名（现有{full}名），联合党支部也应有3名以上正式党员。"
            else:
                message = "正式党员不足3名（现有{full}名），应与邻近单位联合成立联合党支部。"
            warnings.append(message.format(full=full))
        if self.member_count > 50:
            message = "党员人数超过50名（现有{n}名），一般应分设党支部。"
            warnings.append(message.format(n=self.member_count))
        # 支部工作条例: "一般设委员3至5人，一般不超过7人" — 6 or 7 is no breach.
        if full >= 7 and not 3 <= size <= 7:
            message = (
                "正式党员7名以上（现有{full}名），应设立支部委员会，"
                "委员一般3至5名、不超过7名（现有{size}名）。"
            )
            warnings.append(message.format(full=full, size=size))
        if full < 7 and self.committee_post_count:
            message = "正式党员不足7名（现有{full}名），不设支部委员会，只设书记，可设副书记。"
            warnings.append(message.format(full=full))
        if not self.secretary_count:
            warnings.append("尚未登记现任党支部书记。")
        if self.type == self.Type.JOINT_BRANCH and self.unit_count > 5:
            message = "联合党支部所含单位一般不超过5个（现有{n}个）。"
            warnings.append(message.format(n=self.unit_count))
        return warnings

    def seat_scope_path(self) -> str:
        """Whose members may sit on this committee: its own subtree, or for a 临时党支部
        (which keeps no members) the subtree of the organisation that set it up."""
        if self.is_temporary and self.parent_id:
            return self.parent.path
        return self.path

    def may_seat(self, member) -> bool:
        """Whether `member` belongs where this committee's members may come from."""
        return member.organization.path.startswith(self.seat_scope_path())

    def validate_tree(self):
        """Raise a Chinese ValidationError when the placement breaks the hierarchy."""
        if self.type == self.Type.WORK_COMMITTEE:
            if self.parent_id is not None:
                raise ValidationError(
                    {"parent": "党工委/机关工委是组织树的根，不能设置上级党组织。"}
                )
            return
        if self.parent_id is None:
            raise ValidationError({"parent": "请选择上级党组织。"})
        parent = self.parent
        if self.RANKS[self.type] <= parent.rank:
            message = "{child}不能隶属于{parent}：下级党组织的层级必须低于上级。".format(
                child=self.get_type_display(), parent=parent.get_type_display()
            )
            raise ValidationError({"parent": message})
        if self.pk and parent.path.startswith(self.path):
            raise ValidationError({"parent": "不能把党组织移到它自己或它的下级组织之下。"})
        if self.pk:
            top_child_rank = min(
                (self.RANKS[t] for t in self.children.values_list("type", flat=True)),
                default=None,
            )
            if top_child_rank is not None and top_child_rank <= self.RANKS[self.type]:
                raise ValidationError(
                    {"type": "该组织的下级组织层级不低于新类型，不能修改为此类型。"}
                )

    def _expected_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.pk:06d}/"

    def _set_path(self, path: str):
        self.path = path
        self.depth = path.count("/") - 1
        type(self).objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)

    def _move_subtree(self, old_path: str, new_path: str):
        """Re-root every descendant in one UPDATE (the node itself included)."""
        shift = new_path.count("/") - old_path.count("/")
        type(self).objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + shift,
        )
        self.path = new_path
        self.depth += shift


class ServedUnit(models.Model):
    """A government unit (机关单位) whose party members an organisation serves."""

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="units"
    )
    name = models.CharField("单位名称", max_length=100, db_collation=PINYIN)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "所在单位"
        verbose_name_plural = "所在单位"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="branches_servedunit_unique_name"
            )
        ]

    def __str__(self):
        return self.name


class PartyGroupQuerySet(ScopedQuerySet):
    def with_member_counts(self):
        from .members import Member

        normal = Q(members__standing=Member.Standing.NORMAL)
        return self.annotate(member_count=Count("members", filter=normal))


class PartyGroup(models.Model):
    """党小组: a sub-unit of a branch with a leader."""

    organization = models.ForeignKey(
        Organization, verbose_name="党支部", on_delete=models.CASCADE, related_name="party_groups"
    )
    name = models.CharField("党小组名称", max_length=60, db_collation=PINYIN)
    leader = models.ForeignKey(
        "branches.Member",
        verbose_name="党小组组长",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_groups",
    )

    objects = PartyGroupQuerySet.as_manager()

    class Meta:
        verbose_name = "党小组"
        verbose_name_plural = "党小组"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="branches_partygroup_unique_name"
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.organization_id and not self.organization.is_branch:
            raise ValidationError("党小组只能在党支部下设立。")
        if self.organization_id and self.organization.is_temporary:
            raise ValidationError("临时党支部不接收党员组织关系，不设党小组。")
        if self.leader_id and self.leader.organization_id != self.organization_id:
            raise ValidationError({"leader": "党小组组长须是本支部的党员。"})
        if self.leader_id and self.leader.standing != self.leader.Standing.NORMAL:
            raise ValidationError({"leader": "该党员党籍状态不是“正常”，不能担任党小组组长。"})


def _chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
