"""The branches app's ledgers: 党员花名册, 组织台账, 换届台账, 发展党员台账.

Each queryset is scoped with `visible_to(user)` and shaped into `values_list` rows with joins
and aggregates, so an export runs a fixed number of queries at any size (and skips building
model instances, which would cost more than writing the cells).
"""

from collections import defaultdict

from django import forms
from django.db.models import Count, FilteredRelation, Max, Q

from alxa_dangjian.core.idnumber import mask_id_number
from alxa_dangjian.ledgers.params import (
    PersonalDataLedgerForm,
    YearLedgerForm,
    in_chosen_subtree,
)
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column

from .models import STEP_ORDER, DevelopmentCase, Member, Organization, Stage, Step, Term
from .models.members import mask_phone

YES, NO = "是", "否"


# --- 党员花名册 -----------------------------------------------------------------------------


class RosterForm(PersonalDataLedgerForm):
    standing = forms.ChoiceField(
        label="党籍状态",
        choices=[("", "全部"), *Member.Standing.choices],
        required=False,
        initial=Member.Standing.NORMAL,
    )


ROSTER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "native_place",
    "education",
    "degree",
    "work_started_on",
    "phone",
    "category",
    "party_post",
    "joined_on",
    "confirmed_on",
    "status",
    "standing",
    "organization__name",
    "party_group__name",
    "is_floating",
    "lost_contact_since",
)

ROSTER_COLUMNS = (
    Column("姓名", 10),
    Column("性别", 6),
    Column("民族", 8),
    Column("出生日期", 12, "date"),
    Column("公民身份号码", 21),
    Column("籍贯", 12),
    Column("学历", 10),
    Column("学位", 6),
    Column("参加工作日期", 12, "date"),
    Column("电话", 13),
    Column("人员类别", 16),
    Column("党内职务", 12),
    Column("入党日期", 12, "date"),
    Column("转正日期", 12, "date"),
    Column("党员类型", 10),
    Column("党籍状态", 9),
    Column("所在党支部", 24),
    Column("党小组", 12),
    Column("流动党员", 8),
    Column("失联", 6),
)

_GENDER = dict(Member.Gender.choices)
_EDUCATION = dict(Member.Education.choices)
_DEGREE = dict(Member.Degree.choices)
_CATEGORY = dict(Member.Category.choices)
_STATUS = dict(Member.Status.choices)
_STANDING = dict(Member.Standing.choices)


def roster_queryset(user, options):
    members = in_chosen_subtree(Member.objects.visible_to(user), options)
    if options.get("standing"):
        members = members.filter(standing=options["standing"])
    return members.order_by("organization__path", "name", "pk").values_list(*ROSTER_FIELDS)


def roster_row(member, context):
    (
        name,
        gender,
        ethnicity,
        birth_date,
        id_number,
        native_place,
        education,
        degree,
        work_started_on,
        phone,
        category,
        party_post,
        joined_on,
        confirmed_on,
        status,
        standing,
        branch,
        party_group,
        is_floating,
        lost_contact_since,
    ) = member
    full = context.full_personal_data
    return (
        name,
        _GENDER.get(gender, gender),
        ethnicity,
        birth_date,
        id_number if full else mask_id_number(id_number),
        native_place,
        _EDUCATION.get(education, education),
        _DEGREE.get(degree, degree),
        work_started_on,
        phone if full else mask_phone(phone),
        _CATEGORY.get(category, category),
        party_post,
        joined_on,
        confirmed_on,
        _STATUS.get(status, status),
        _STANDING.get(standing, standing),
        branch,
        party_group,
        YES if is_floating else NO,
        YES if lost_contact_since else NO,
    )


roster = register(
    Ledger(
        code="member-roster",
        title="党员花名册",
        description="党员基本信息（全国党员信息采集项），身份证号码和电话默认隐去部分数字。",
        columns=ROSTER_COLUMNS,
        queryset=roster_queryset,
        row=roster_row,
        params_form=RosterForm,
    )
)


# --- 组织台账 -------------------------------------------------------------------------------

_TYPE = dict(Organization.Type.choices)
_ORG_CATEGORY = dict(Organization.Category.choices)


def organization_queryset(user, options):
    organizations = in_chosen_subtree(Organization.objects.visible_to(user), options, "path")
    return (
        organizations.annotate(
            current_term=FilteredRelation("terms", condition=Q(terms__actual_end__isnull=True))
        )
        .order_by("path")
        .values_list(
            "path",
            "name",
            "short_name",
            "type",
            "category",
            "parent__name",
            "established_on",
            "is_active",
            "current_term__number",
            "current_term__elected_on",
            "current_term__due_end",
        )
    )


def member_counts_by_subtree(user, options) -> dict[str, tuple[int, int]]:
    """(正式, 预备) members in good standing under each organisation path, its subtree
    included: one GROUP BY over the branches, rolled up the path in memory."""
    members = in_chosen_subtree(Member.objects.visible_to(user).in_good_standing(), options)
    per_branch = (
        members.order_by()
        .values_list("organization__path")
        .annotate(
            full=Count("pk", filter=Q(status=Member.Status.FULL)),
            probationary=Count("pk", filter=Q(status=Member.Status.PROBATIONARY)),
        )
    )
    totals = defaultdict(lambda: [0, 0])
    for path, full, probationary in per_branch:
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            total = totals["/".join(parts[:depth]) + "/"]
            total[0] += full
            total[1] += probationary
    return {path: (full, probationary) for path, (full, probationary) in totals.items()}


def organization_row(organization, context):
    (
        path,
        name,
        short_name,
        type_,
        category,
        parent,
        established_on,
        is_active,
        term_number,
        elected_on,
        due_end,
    ) = organization
    full, probationary = context.data.get(path, (0, 0))
    return (
        name,
        short_name,
        _TYPE.get(type_, type_),
        _ORG_CATEGORY.get(category, category),
        parent,
        established_on,
        full + probationary,
        full,
        probationary,
        f"第{term_number}届" if term_number else "",
        elected_on,
        due_end,
        "有效" if is_active else "已撤销",
    )


organizations = register(
    Ledger(
        code="organizations",
        title="党组织台账",
        description="党组织的类型、类别、上级组织、党员人数（含下级组织）和现任届次。",
        columns=(
            Column("党组织名称", 28),
            Column("简称", 14),
            Column("组织类型", 12),
            Column("分类指导类别", 16),
            Column("上级党组织", 24),
            Column("成立日期", 12, "date"),
            Column("党员总数", 9, "int"),
            Column("正式党员", 9, "int"),
            Column("预备党员", 9, "int"),
            Column("届次", 8),
            Column("选举日期", 12, "date"),
            Column("届满日期", 12, "date"),
            Column("状态", 8),
        ),
        queryset=organization_queryset,
        row=organization_row,
        prepare=member_counts_by_subtree,
    )
)


# --- 换届台账 -------------------------------------------------------------------------------


class TermYearForm(YearLedgerForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].label = "届满年份"
        self.fields["year"].help_text = "列出在该年底前届满（含已逾期）的现任届次；不填则为今年。"


def term_queryset(user, options):
    terms = in_chosen_subtree(Term.objects.visible_to(user), options).filter(
        organization__is_active=True
    )
    return (
        terms.ending_in(options["year"])
        .order_by("due_end", "organization__path")
        .values_list(
            "organization__name",
            "organization__type",
            "organization__parent__name",
            "number",
            "elected_on",
            "length_years",
            "planned_end",
            "adjusted_end",
            "adjustment_approval_no",
            "due_end",
        )
    )


def term_row(term, context):
    (
        organization,
        type_,
        parent,
        number,
        elected_on,
        length_years,
        planned_end,
        adjusted_end,
        approval_no,
        due_end,
    ) = term
    days = (due_end - context.today).days
    return (
        organization,
        _TYPE.get(type_, type_),
        parent,
        f"第{number}届",
        elected_on,
        length_years,
        planned_end,
        adjusted_end,
        approval_no,
        due_end,
        "已逾期" if days < 0 else "未到期",
        -days if days < 0 else None,
        days if days >= 0 else None,
    )


terms = register(
    Ledger(
        code="terms",
        title="换届台账",
        description="在所选年份底前届满（含已逾期）的现任届次，附逾期或剩余天数。",
        columns=(
            Column("党组织", 28),
            Column("组织类型", 12),
            Column("上级党组织", 24),
            Column("届次", 8),
            Column("选举日期", 12, "date"),
            Column("任期（年）", 9, "int"),
            Column("应届满日期", 12, "date"),
            Column("批准提前/延期至", 14, "date"),
            Column("批复文号", 18),
            Column("届满日期", 12, "date"),
            Column("状态", 8),
            Column("逾期天数", 9, "int"),
            Column("剩余天数", 9, "int"),
        ),
        queryset=term_queryset,
        row=term_row,
        params_form=TermYearForm,
    )
)


# --- 发展党员台账 ---------------------------------------------------------------------------


class DevelopmentForm(PersonalDataLedgerForm):
    stage = forms.ChoiceField(
        label="所处阶段", choices=[("", "全部"), *Stage.choices], required=False
    )
    include_closed = forms.BooleanField(label="包括已终止的发展对象", required=False)


_STAGE = dict(Stage.choices)


def development_queryset(user, options):
    cases = in_chosen_subtree(DevelopmentCase.objects.visible_to(user), options)
    if options.get("stage"):
        cases = cases.filter(stage=options["stage"])
    if not options.get("include_closed"):
        cases = cases.filter(is_closed=False)
    # One column per step, pivoted by conditional aggregation: one query at any size.
    step_dates = {
        f"step_{step}": Max("steps__done_on", filter=Q(steps__step=step)) for step in STEP_ORDER
    }
    return (
        cases.annotate(**step_dates)
        .order_by("organization__path", "name", "pk")
        .values_list(
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "id_number",
            "education",
            "unit",
            "organization__name",
            "stage",
            "is_closed",
            *step_dates,
        )
    )


def development_row(case, context):
    name, gender, ethnicity, birth_date, id_number, education, unit, branch, stage, closed = case[
        :10
    ]
    return (
        name,
        _GENDER.get(gender, gender),
        ethnicity,
        birth_date,
        id_number if context.full_personal_data else mask_id_number(id_number),
        _EDUCATION.get(education, education),
        unit,
        branch,
        _STAGE.get(stage, stage),
        "已终止" if closed else "进行中",
        *case[10:],
    )


development = register(
    Ledger(
        code="development",
        title="发展党员台账",
        description="每名发展对象的所处阶段和各步骤日期。",
        columns=(
            Column("姓名", 10),
            Column("性别", 6),
            Column("民族", 8),
            Column("出生日期", 12, "date"),
            Column("公民身份号码", 21),
            Column("学历", 10),
            Column("工作单位及职务", 20),
            Column("所在党支部", 24),
            Column("所处阶段", 12),
            Column("状态", 8),
            *(Column(label, 13, "date") for label in Step.labels),
        ),
        queryset=development_queryset,
        row=development_row,
        params_form=DevelopmentForm,
    )
)

from . import rating_ledgers  # noqa: E402, F401  (最强党支部名单 and 评分表 register themselves)
from .ledgers_standards import rating_standards  # noqa: E402, F401  (评星标准 registers itself)
