import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.scoping import ScopedQuerySet
from alxa_dangjian.core.collation import PINYIN
from alxa_dangjian.core.idnumber import (
    InvalidIdNumber,
    check_consistency,
    mask_id_number,
    normalize_id_number,
    parse_id_number,
)
from alxa_dangjian.core.periods import add_months

from .organizations import Organization, add_years

ETHNIC_GROUPS = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族",
    "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族",
    "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族",
    "基诺族",
]  # fmt: skip


class AgeBand(models.TextChoices):
    UNDER_30 = "under_30", "30岁以下"
    THIRTIES = "30_39", "30至39岁"
    FORTIES = "40_49", "40至49岁"
    FIFTIES = "50_59", "50至59岁"
    SIXTY_PLUS = "60_plus", "60岁及以上"


# Each band as [lowest age, first age above it).
AGE_BAND_LIMITS = {
    AgeBand.UNDER_30: (None, 30),
    AgeBand.THIRTIES: (30, 40),
    AgeBand.FORTIES: (40, 50),
    AgeBand.FIFTIES: (50, 60),
    AgeBand.SIXTY_PLUS: (60, None),
}


# The one answer for an ID number held by a member the user may not see (another subtree):
# it names nobody and reads the same whatever the holder's branch or standing, so a form or an
# import cannot be used to learn who is a party member elsewhere in the league.
MSG_ID_NUMBER_WITHHELD = "该身份证号码不能在此登记，请联系上级党组织核实。"


class MemberQuerySet(ScopedQuerySet):
    def in_good_standing(self):
        return self.filter(standing=Member.Standing.NORMAL)

    def in_subtree(self, organization):
        return scoping.within(self, organization)

    def lost_contact(self, as_of: datetime.date | None = None):
        """失联: out of contact for LOST_CONTACT_MONTHS or more on `as_of` (default today)."""
        cutoff = lost_contact_cutoff(as_of or datetime.date.today())
        return self.filter(lost_contact_since__lte=cutoff)

    def as_of(self, day: datetime.date):
        """Members who had joined by `day` (the cockpit's 党员 figure counts up to its day)."""
        return self.filter(joined_on__lte=day)

    def in_age_band(self, band: str, today: datetime.date | None = None):
        """Members whose age on `today` falls in the band, as a range over birth dates."""
        today = today or datetime.date.today()
        low, high = AGE_BAND_LIMITS[band]
        queryset = self
        if low is not None:  # age >= low  ⇔  born on or before today − low years
            queryset = queryset.filter(birth_date__lte=add_years(today, -low))
        if high is not None:  # age < high  ⇔  born after today − high years
            queryset = queryset.filter(birth_date__gt=add_years(today, -high))
        return queryset

    def status_counts(self) -> dict:
        """正式/预备 counts in one aggregate query."""
        return self.aggregate(
            full=models.Count("pk", filter=models.Q(status=Member.Status.FULL)),
            probationary=models.Count("pk", filter=models.Q(status=Member.Status.PROBATIONARY)),
        )

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(models.Q(name__icontains=text) | models.Q(phone__icontains=text))


class Member(models.Model):
    class Gender(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    class Status(models.TextChoices):
        PROBATIONARY = "probationary", "预备党员"
        FULL = "full", "正式党员"

    class Standing(models.TextChoices):
        NORMAL = "normal", "正常"
        TRANSFERRED_OUT = "transferred_out", "转出"
        SUSPENDED = "suspended", "停止党籍"
        EXPELLED = "left", "出党"
        DECEASED = "deceased", "死亡"

    class Education(models.TextChoices):
        POSTGRADUATE = "postgraduate", "研究生"
        BACHELOR = "bachelor", "大学本科"
        COLLEGE = "college", "大学专科"
        SECONDARY = "secondary", "中专"
        HIGH_SCHOOL = "high_school", "高中"
        JUNIOR = "junior", "初中及以下"

    class Degree(models.TextChoices):
        NONE = "", "无"
        DOCTOR = "doctor", "博士"
        MASTER = "master", "硕士"
        BACHELOR = "bachelor", "学士"

    class Category(models.TextChoices):
        CIVIL_SERVANT = "civil_servant", "党政机关工作人员"
        MANAGER = "manager", "企事业单位管理人员"
        PROFESSIONAL = "professional", "专业技术人员"
        WORKER = "worker", "工人"
        HERDER = "herder", "农牧渔民"
        STUDENT = "student", "学生"
        RETIRED = "retired", "离退休人员"
        OTHER = "other", "其他"

    organization = models.ForeignKey(
        Organization, verbose_name="所在党支部", on_delete=models.PROTECT, related_name="members"
    )
    party_group = models.ForeignKey(
        "branches.PartyGroup",
        verbose_name="党小组",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    name = models.CharField("姓名", max_length=50, db_collation=PINYIN)
    gender = models.CharField("性别", max_length=10, choices=Gender.choices)
    ethnicity = models.CharField(
        "民族", max_length=10, choices=[(g, g) for g in ETHNIC_GROUPS], default="汉族"
    )
    birth_date = models.DateField("出生日期")
    id_number = models.CharField("公民身份号码", max_length=18, unique=True)
    native_place = models.CharField("籍贯", max_length=50, blank=True)
    education = models.CharField("学历", max_length=20, choices=Education.choices)
    degree = models.CharField("学位", max_length=20, choices=Degree.choices, blank=True)
    work_started_on = models.DateField("参加工作日期", null=True, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    category = models.CharField(
        "人员类别", max_length=20, choices=Category.choices, default=Category.CIVIL_SERVANT
    )
    party_post = models.CharField("党内职务", max_length=50, blank=True)
    joined_on = models.DateField("入党日期")
    status = models.CharField("党员类型", max_length=20, choices=Status.choices)
    probation_extension_months = models.PositiveSmallIntegerField(
        "延长预备期（月）", default=0, help_text="经支部大会决定延长的预备期，6至12个月。"
    )
    confirmed_on = models.DateField("转正日期", null=True, blank=True)
    standing = models.CharField(
        "党籍状态", max_length=20, choices=Standing.choices, default=Standing.NORMAL
    )
    is_floating = models.BooleanField("流动党员", default=False)
    lost_contact_since = models.DateField(
        "失联起始日期", null=True, blank=True, help_text="与党组织失去联系的起始日期。"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = MemberQuerySet.as_manager()
    # Every change (who, when, before, after, reason): alxa_dangjian/core/history.py.
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["organization", "name"]
        indexes = [models.Index(fields=["organization", "standing", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probation_extension_months=0)
                | models.Q(probation_extension_months__gte=6, probation_extension_months__lte=12),
                name="branches_member_probation_extension_6_to_12",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("branches:member-detail", args=[self.pk])

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def age(self) -> int:
        return self.age_on(datetime.date.today())

    @property
    def is_in_good_standing(self) -> bool:
        return self.standing == self.Standing.NORMAL

    @property
    def probation_end(self) -> datetime.date:
        """Probation lasts one calendar year from 入党日期, plus any approved extension.

        A member admitted on 29 February ends probation on 28 February (`add_years`); an
        extension counts calendar months from that day (31 → the month's last day)."""
        return add_months(add_years(self.joined_on, 1), self.probation_extension_months)

    @property
    def is_lost_contact(self) -> bool:
        """The 失联 flag: out of contact for LOST_CONTACT_MONTHS or more today. A shorter
        break is recorded (`lost_contact_since`) but not yet 失联."""
        return self.lost_contact_on(datetime.date.today())

    def lost_contact_on(self, day: datetime.date) -> bool:
        since = self.lost_contact_since
        return since is not None and since <= lost_contact_cutoff(day)

    def age_on(self, day: datetime.date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    def clean(self):
        errors = {}
        if self.id_number:
            try:
                info = parse_id_number(self.id_number)
            except InvalidIdNumber as error:
                errors["id_number"] = str(error)
            else:
                self.id_number = normalize_id_number(self.id_number)
                problems = check_consistency(
                    self.id_number, birth_date=self.birth_date, gender=self.gender or None
                )
                if problems:
                    errors["id_number"] = problems
                if not self.birth_date:
                    self.birth_date = info.birth_date
        if self.organization_id and self.organization.is_temporary:
            errors["organization"] = "临时党支部不接收党员组织关系，请在党员所在的正式党支部登记。"
        elif self.organization_id and not self.organization.is_branch:
            errors["organization"] = "党员须编入党支部（含联合党支部）。"
        if self.joined_on and self.confirmed_on and self.confirmed_on < self.joined_on:
            errors["confirmed_on"] = "转正日期不能早于入党日期。"
        if self.status == self.Status.PROBATIONARY and self.confirmed_on:
            errors["confirmed_on"] = "预备党员没有转正日期。"
        if self.joined_on and self.birth_date and self.age_on(self.joined_on) < 18:
            errors["joined_on"] = "入党时须年满18周岁。"
        if self.party_group_id and self.party_group.organization_id != self.organization_id:
            errors["party_group"] = "党小组须属于党员所在的党支部。"
        if errors:
            raise ValidationError(errors)


def mask_phone(phone: str | None) -> str:
    """Keep the first 3 and last 4 digits (138****5678); shorter numbers are fully masked."""
    phone = (phone or "").strip()
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


# DOMAIN.md §3: 失联 is no contact for 6 months or more.
LOST_CONTACT_MONTHS = 6


def lost_contact_cutoff(day: datetime.date) -> datetime.date:
    """The latest `lost_contact_since` that makes a member 失联 on `day`."""
    return add_months(day, -LOST_CONTACT_MONTHS)


class MemberTransferQuerySet(ScopedQuerySet):
    scope_field = "member__organization"


class MemberTransfer(models.Model):
    """组织关系转接: every move of a member's organisational relationship, kept as history."""

    class Kind(models.TextChoices):
        IN = "in", "转入"
        OUT = "out", "转出"
        INTERNAL = "internal", "系统内调动"

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.CASCADE, related_name="transfers"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    from_organization = models.ForeignKey(
        Organization,
        verbose_name="原党组织",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_organization = models.ForeignKey(
        Organization,
        verbose_name="接收党组织",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    external_organization = models.CharField("系统外党组织", max_length=100, blank=True)
    transferred_on = models.DateField("转接日期")
    letter_number = models.CharField("介绍信编号", max_length=60, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = MemberTransferQuerySet.as_manager()

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["-transferred_on", "-recorded_at"]

    def __str__(self):
        return f"{self.member.name} {self.get_kind_display()} {self.transferred_on}"


def full_on(day: datetime.date) -> models.Q:
    """正式党员 on `day`: confirmed by then (no date recorded: counted as confirmed). The rest
    of the roll on that day is 预备党员: the cockpit's parts and the member list's status
    filter with `as_of`."""
    return models.Q(status=Member.Status.FULL) & (
        models.Q(confirmed_on__isnull=True) | models.Q(confirmed_on__lte=day)
    )
