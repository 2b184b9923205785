"""The demo's classes: 53 示范培训班 of the work committee and one ordered session per branch
per year, with their enrolments and the 学时 each member earned."""

import datetime
from decimal import Decimal

from branches.models import CommitteeSeat, Member

from ..models import (
    ClassSession,
    Course,
    CourseForm,
    Enrollment,
    SchemeComponent,
    TrainingClass,
    TrainingScheme,
)

DEMONSTRATION_CLASSES = 53
DEMONSTRATION_BUDGET = Decimal("1560000")  # the branch sessions bring the total to ~1.6 M
SEATS_PER_CLASS = 125
DAY_HOURS = Decimal(8)
DEMO_THEMES = ["理论轮训班", "支部书记示范培训班", "党务干部示范培训班", "青年党员示范培训班"]


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


def seed_classes(rng, root, recorder, today) -> tuple[int, int]:
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
