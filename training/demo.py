"""Cadre training for the demo league, in the seed's shape (DOMAIN.md §7).

The period is **last year in full and the current year up to today** (统计期间 shown on the
statistics page): 53 示范培训班 held by the work committee, one ordered session per branch per
year, together about 13,000 person-times and about 1.6 million yuan. A pool of 60 teachers
and a menu of 30 courses; orders in every status; 学习强国 scores per quarter.

Hours are spread so the progress pages tell a story: most members attend one three-day
demonstration class (24 学时) and their branch's session (8), some two classes (committee
members first: they need 56), and about a quarter none — so roughly half the league meets
its rule and the behind list is long enough to matter.

Deterministic (seeded generator, rows in pk order) and idempotent: each part (teachers,
courses, classes, orders, scores) is created only when its table is empty. Written with
bulk_create.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.models import User
from branches.models import CommitteeSeat, Member, Organization

from .models import (
    ClassSession,
    Course,
    CourseForm,
    CourseOrder,
    Enrollment,
    SchemeComponent,
    Teacher,
    TrainingClass,
    TrainingScheme,
    XuexiScore,
)

DEMONSTRATION_CLASSES = 53
DEMONSTRATION_BUDGET = Decimal("1560000")  # the branch sessions bring the total to ~1.6 M
SEATS_PER_CLASS = 125
DAY_HOURS = Decimal(8)
SEED = "training-demo"

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈"
GIVEN = [
    "建国",
    "海燕",
    "志强",
    "丽娟",
    "巴特尔",
    "其其格",
    "敖登",
    "明",
    "晓燕",
    "国华",
    "娜仁",
    "斯琴",
]
UNITS = [
    "盟委党校",
    "盟委组织部",
    "盟直属机关工委",
    "盟委宣传部",
    "阿拉善职业技术学院",
    "盟纪委监委",
    "盟公安局",
    "盟档案史志馆",
    "阿拉善左旗委党校",
    "盟行政学院",
]
TOPICS = [
    "习近平新时代中国特色社会主义思想",
    "党章党规党纪",
    "基层党建实务",
    "铸牢中华民族共同体意识",
    "党史学习教育",
    "意识形态工作",
    "廉洁文化建设",
    "生态文明建设",
    "公文写作",
    "群众工作方法",
]
COURSES = [
    ("深入学习习近平新时代中国特色社会主义思想", CourseForm.THEORY, 8),
    ("党章党规党纪专题辅导", CourseForm.THEORY, 4),
    ("党的二十大精神宣讲", CourseForm.THEORY, 4),
    ("铸牢中华民族共同体意识专题", CourseForm.THEORY, 4),
    ("党史中的阿拉善", CourseForm.THEORY, 4),
    ("新时代机关党建工作要点", CourseForm.THEORY, 8),
    ("发展党员工作规程", CourseForm.THEORY, 4),
    ("意识形态工作责任制", CourseForm.THEORY, 2),
    ("廉政警示教育", CourseForm.THEORY, 4),
    ("国家安全教育", CourseForm.THEORY, 2),
    ("红色教育基地现场教学", CourseForm.PRACTICE, 8),
    ("生态治理一线现场教学", CourseForm.PRACTICE, 8),
    ("乡村振兴示范点观摩", CourseForm.PRACTICE, 8),
    ("边境党建现场教学", CourseForm.PRACTICE, 8),
    ("学习强国平台使用", CourseForm.ONLINE, 2),
    ("干部网络学院专题课程", CourseForm.ONLINE, 10),
    ("党纪学习网络专题", CourseForm.ONLINE, 4),
    ("三会一课规范化操作", CourseForm.HANDS_ON, 8),
    ("党务台账填写实操", CourseForm.HANDS_ON, 4),
    ("主题党日活动设计", CourseForm.HANDS_ON, 4),
    ("组织生活会和民主评议实操", CourseForm.HANDS_ON, 4),
    ("党费收缴使用管理实操", CourseForm.HANDS_ON, 2),
    ("换届选举程序演练", CourseForm.HANDS_ON, 4),
    ("新闻宣传与信息写作", CourseForm.HANDS_ON, 4),
    ("最强党支部创建经验交流", CourseForm.EXCHANGE, 8),
    ("支部书记工作经验交流", CourseForm.EXCHANGE, 4),
    ("党建与业务融合案例研讨", CourseForm.EXCHANGE, 4),
    ("青年党员读书分享", CourseForm.EXCHANGE, 2),
    ("民族团结进步创建交流", CourseForm.EXCHANGE, 4),
    ("机关作风建设座谈", CourseForm.EXCHANGE, 2),
]
DEMO_THEMES = ["理论轮训班", "支部书记示范培训班", "党务干部示范培训班", "青年党员示范培训班"]


def seed_training(today: datetime.date | None = None) -> dict[str, int]:
    """Create the demo's training records where they are missing; returns what was made."""
    today = today or datetime.date.today()
    recorder = User.objects.filter(role=User.Role.SYSTEM_ADMIN).order_by("pk").first()
    root = Organization.objects.filter(scoping.root_q()).order_by("pk").first()
    counts = dict.fromkeys(("teachers", "courses", "classes", "enrollments", "orders", "scores"), 0)
    if recorder is None or root is None:
        return counts
    rng = random.Random(SEED)
    with transaction.atomic():
        if not Teacher.objects.exists():
            counts["teachers"] = _seed_teachers(rng)
        if not Course.objects.exists():
            counts["courses"] = _seed_courses(rng)
        if not TrainingClass.objects.filter(kind=TrainingClass.Kind.DEMONSTRATION).exists():
            counts["classes"], counts["enrollments"] = _seed_classes(rng, root, recorder, today)
        if not CourseOrder.objects.exists():
            counts["orders"] = _seed_orders(rng, recorder, today)
        if not XuexiScore.objects.exists():
            counts["scores"] = _seed_scores(rng, recorder, today)
    return counts


def _seed_teachers(rng) -> int:
    sources = [Teacher.Source.TRAINED] * 3 + [Teacher.Source.NOMINATED] * 2 + [Teacher.Source.SELF]
    teachers = []
    for index in range(60):
        status = Teacher.Status.APPROVED
        if index % 15 == 7:
            status = Teacher.Status.PENDING
        elif index % 29 == 28:
            status = Teacher.Status.RETIRED
        teachers.append(
            Teacher(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                unit=rng.choice(UNITS),
                source=sources[index % len(sources)],
                topics="、".join(rng.sample(TOPICS, 2)),
                phone=f"139{rng.randrange(10**8):08d}",
                status=status,
            )
        )
    Teacher.objects.bulk_create(teachers)
    return len(teachers)


def _seed_courses(rng) -> int:
    teachers = list(Teacher.objects.approved().order_by("pk"))
    courses = [
        Course(
            title=title,
            form=form,
            hours=Decimal(hours),
            teacher=teachers[index % len(teachers)] if teachers else None,
            description=f"面向机关党员的{title}课程，可按支部需要调整时间和形式。",
        )
        for index, (title, form, hours) in enumerate(COURSES)
    ]
    Course.objects.bulk_create(courses)
    return len(courses)


def _scheme(year: int) -> dict[str, SchemeComponent]:
    """Components of the year's scheme by course form; last year's copies this year's sample
    (labelled as a sample) so both years count toward components."""
    scheme = TrainingScheme.objects.for_year(year).order_by("code", "pk").first()
    if scheme is None:
        template = TrainingScheme.objects.order_by("-year", "pk").first()
        if template is None:
            return {}
        scheme = TrainingScheme.objects.create(
            year=year, code=template.code, name=template.name, is_sample=True, note=template.note
        )
        SchemeComponent.objects.bulk_create(
            SchemeComponent(
                scheme=scheme,
                order=c.order,
                quantity=c.quantity,
                unit=c.unit,
                course_form=c.course_form,
                audience=c.audience,
                description=c.description,
            )
            for c in template.components.order_by("order")
        )
    by_form: dict[str, SchemeComponent] = {}
    for component in scheme.components.order_by("order"):
        by_form.setdefault(component.course_form, component)
    return by_form


def _day_in(rng, year: int, today: datetime.date, *, last: datetime.date | None = None):
    start = datetime.date(year, 1, 8)
    end = min(last or datetime.date(year, 12, 20), today - datetime.timedelta(days=3))
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randrange((end - start).days))


def _seed_classes(rng, root, recorder, today) -> tuple[int, int]:
    years = [today.year - 1, today.year]
    members = list(
        Member.objects.in_good_standing()
        .filter(organization__is_active=True)
        .order_by("pk")
        .values_list("pk", "organization_id")
    )
    seated = set(CommitteeSeat.objects.current().values_list("member_id", flat=True))
    by_branch: dict[int, list[int]] = {}
    for pk, organization_id in members:
        by_branch.setdefault(organization_id, []).append(pk)
    courses = list(Course.objects.order_by("pk"))
    eight_hours = [c for c in courses if c.hours == DAY_HOURS] or courses
    schemes = {year: _scheme(year) for year in years}

    # Demonstration classes: three days each, split between the two years.
    plan = []  # (class, [session days], [member ids], hours, course or None)
    costs = [Decimal(rng.randrange(20000, 40000)) for _ in range(DEMONSTRATION_CLASSES)]
    scale = DEMONSTRATION_BUDGET / sum(costs)
    costs = [(c * scale).quantize(Decimal("1")) for c in costs]
    costs[-1] += DEMONSTRATION_BUDGET - sum(costs)
    for index in range(DEMONSTRATION_CLASSES):
        year = years[index % 2]
        components = schemes[year]
        starts_on = _day_in(rng, year, today)
        days = [starts_on + datetime.timedelta(days=n) for n in range(3)]
        theme = DEMO_THEMES[index % len(DEMO_THEMES)]
        training_class = TrainingClass(
            title=f"{year}年第{index // 2 + 1}期{theme}",
            kind=TrainingClass.Kind.DEMONSTRATION,
            organization=root,
            starts_on=days[0],
            ends_on=days[-1],
            component=components.get(CourseForm.THEORY),
            location=rng.choice(["盟委党校", "盟行政学院", "盟直机关党员活动中心"]),
            cost=costs[index],
            length_hours=DAY_HOURS * 3,
            created_by=recorder,
        )
        plan.append((training_class, days, [], DAY_HOURS * 3, None))

    # Who attends: per year about a quarter none, most one class, committee members two.
    for year in years:
        year_classes = [p for p in plan if p[0].starts_on.year == year]
        for pk, _ in members:
            roll = rng.random()
            wanted = 2 if (pk in seated and roll < 0.7) or roll < 0.12 else int(roll < 0.74)
            for entry in rng.sample(year_classes, min(wanted, len(year_classes))):
                if len(entry[2]) < SEATS_PER_CLASS * 2:
                    entry[2].append(pk)

    # One ordered session per branch and year, a full day, most of the branch attending.
    for organization_id, branch_members in sorted(by_branch.items()):
        for year in years:
            course = rng.choice(eight_hours)
            components = schemes[year]
            day = _day_in(rng, year, today)
            training_class = TrainingClass(
                title=course.title,
                kind=TrainingClass.Kind.BRANCH,
                organization_id=organization_id,
                starts_on=day,
                ends_on=day,
                component=components.get(course.form),
                location="支部活动室",
                cost=Decimal(rng.randrange(0, 400)),
                length_hours=course.hours,
                created_by=recorder,
            )
            attending = [pk for pk in branch_members if rng.random() < 0.85]
            plan.append((training_class, [day], attending, course.hours, course))

    classes = TrainingClass.objects.bulk_create([p[0] for p in plan], batch_size=500)
    sessions, enrollments = [], []
    signed_at = datetime.datetime.combine(today, datetime.time(9), tzinfo=datetime.UTC)
    for (_, days, attending, hours, course), training_class in zip(plan, classes, strict=True):
        for day in days:
            sessions.append(
                ClassSession(
                    training_class=training_class,
                    held_on=day,
                    duration=ClassSession.Duration.FULL_DAY,
                    course=course or rng.choice(courses),
                    credit_hours=hours / len(days),
                )
            )
        for pk in attending:
            # One in twelve left early: half the class.
            earned = hours if rng.random() > 1 / 12 else hours / 2
            enrollments.append(
                Enrollment(
                    training_class=training_class,
                    member_id=pk,
                    signed_in=True,
                    signed_in_at=signed_at,
                    hours_earned=earned,
                    recorded_by=recorder,
                )
            )
    ClassSession.objects.bulk_create(sessions, batch_size=2000)
    Enrollment.objects.bulk_create(enrollments, batch_size=2000)
    return len(classes), len(enrollments)


def _seed_orders(rng, recorder, today) -> int:
    """A few orders in every status; the demo secretary's branch has one pending and one
    scheduled, so both sides of 点菜 / 配菜 have something to show."""
    courses = list(Course.objects.active().order_by("pk"))
    sessions = list(
        TrainingClass.objects.filter(kind=TrainingClass.Kind.BRANCH, starts_on__year=today.year)
        .select_related("organization")
        .order_by("pk")[:20]
    )
    branches = list(
        Organization.objects.filter(
            type__in=(Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH), is_active=True
        ).order_by("path")
    )
    if not courses or not branches:
        return 0
    shuji = User.objects.filter(username="shuji").select_related("organization").first()
    favourite = shuji.organization if shuji and shuji.organization else branches[0]
    soon = today + datetime.timedelta(days=14)
    Status = CourseOrder.Status
    orders = [
        CourseOrder(
            organization=favourite,
            course=courses[1],
            wished_on=soon,
            audience="all_members",
            note="希望安排在周五下午",
            created_by=shuji or recorder,
        )
    ]
    statuses = [Status.PENDING] * 4 + [Status.ACCEPTED] * 3 + [Status.RESCHEDULED] * 2
    statuses += [Status.DECLINED] * 2
    for index, status in enumerate(statuses):
        branch = branches[(index * 7 + 3) % len(branches)]
        order = CourseOrder(
            organization=branch,
            course=courses[(index * 5) % len(courses)],
            kind=CourseOrder.Kind.ASSIGNED if index % 4 == 3 else CourseOrder.Kind.ORDERED,
            wished_on=soon + datetime.timedelta(days=index),
            status=status,
            created_by=recorder,
        )
        if status in (Status.ACCEPTED, Status.RESCHEDULED):
            order.scheduled_on = order.wished_on + datetime.timedelta(
                days=7 * (status != "accepted")
            )
        if status == Status.RESCHEDULED:
            order.reason = "授课教师当周有外出任务，顺延一周。"
        if status == Status.DECLINED:
            order.reason = "该课程本季度已排满，请选择其他课程或下季度再点。"
        orders.append(order)
    # Branch sessions of this year came from orders: scheduled, linked to their class.
    for training_class in sessions:
        course = next((c for c in courses if c.title == training_class.title), courses[0])
        orders.append(
            CourseOrder(
                organization=training_class.organization,
                course=course,
                wished_on=training_class.starts_on,
                scheduled_on=training_class.starts_on,
                status=Status.SCHEDULED,
                training_class=training_class,
                created_by=recorder,
            )
        )
    bulk_create_with_history(orders, CourseOrder, default_user=recorder)
    return len(orders)


def _seed_scores(rng, recorder, today) -> int:
    """学习强国 points per quarter: last year's four and this year's ended quarters."""
    periods = [(today.year - 1, q) for q in range(1, 5)]
    periods += [(today.year, q) for q in range(1, (today.month - 1) // 3 + 1)]
    members = Member.objects.in_good_standing().order_by("pk").values_list("pk", flat=True)
    scores = []
    for pk in members:
        diligence = rng.uniform(0.4, 1.1)
        for year, quarter in periods:
            scores.append(
                XuexiScore(
                    member_id=pk,
                    year=year,
                    period_kind=XuexiScore.PeriodKind.QUARTER,
                    period=quarter,
                    score=int(diligence * rng.randrange(2500, 3600)),
                    imported_by=recorder,
                )
            )
    XuexiScore.objects.bulk_create(scores, batch_size=2000)
    return len(scores)
