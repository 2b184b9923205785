"""The demo's organisational life: records of every kind with attendance, by branch profile."""

import datetime
from dataclasses import dataclass

from branches.models import Organization

from ..models import Activity, Attendance
from .base import rng_for

Status = Activity.Status
Mark = Attendance.Status
BRANCH_TYPES = (Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH)

# Branch profiles: (name, share, monthly skip, quarterly skip, yearly skip).
PROFILES = [
    ("steady", 0.74, 0.005, 0.0, 0.0),
    ("patchy", 0.12, 0.3, 0.2, 0.25),  # skips months: amber and red scattered over the year
    ("sliding", 0.08, 0.0, 0.0, 0.0),  # committee and group meetings every other month or so
    ("stopped", 0.06, 0.005, 0.0, 0.0),  # held nothing since a day in the last quarter
]
LEAVE_REASONS = ["出差", "病假", "公务外出", "参加培训", "下乡驻村", "休假", "事假", "值班"]
ABSENT_REASONS = ["未请假", "临时有事未请假", "工作冲突未到会"]
RETURN_COMMENTS = [
    "会议记录过于简略，请补充讨论内容和决议事项。",
    "请补充签到表照片。",
    "出勤登记与签到表不一致，请核对后重新提交。",
]
PLACES = ["党员活动室", "机关会议室", "三楼会议室", "党建活动阵地"]
OUTINGS = [
    "南田社区",
    "贺兰山科普展览馆",
    "阿拉善博物馆",
    "定远营红色教育基地",
    "包联嘎查党群服务中心",
    "新华街道党群服务中心",
    "乌兰牧骑小剧场",
]
GENERAL_TOPICS = [
    "传达学习上级会议精神",
    "通报支部工作并部署下一阶段任务",
    "讨论党员发展和预备党员转正",
    "学习贯彻党的二十大精神",
    "研究“我为群众办实事”项目",
]
COMMITTEE_TOPICS = [
    "研究部署本月党建工作",
    "研究发展党员工作",
    "研究主题党日活动方案",
    "研究党费收缴使用情况",
    "分析党员思想状况",
    "研究“最强党支部”创建工作",
    "研究意识形态工作",
]
GROUP_TOPICS = [
    "集中学习《习近平谈治国理政》",
    "交流学习心得体会",
    "学习《中国共产党章程》",
    "学习《中国共产党纪律处分条例》",
    "讨论本小组服务群众事项",
]
LECTURES = [
    ("学习贯彻党的二十大精神专题党课", "学习贯彻党的二十大精神"),
    ("铸牢中华民族共同体意识专题党课", "民族团结"),
    ("深入学习习近平生态文明思想", "生态保护"),
    ("以“北疆模范机关”创建推动作风建设", "北疆模范机关"),
    ("以案促改警示教育党课", None),
    ("弘扬乌兰牧骑精神 践行初心使命", None),
    ("学习身边榜样 争做合格党员", "身边榜样"),
]
THEME_DAYS = [
    ("“身边榜样”学习教育集中党日", "身边榜样"),
    ("“民族团结一家亲 红色家风进社区”融合式主题党日", "民族团结"),
    ("走进贺兰山 学习生态文明思想", "生态保护"),
    ("“我为群众办实事”志愿服务进社区", "我为群众办实事"),
    ("“建功新时代 书香筑未来”读书分享", None),
    ("重温入党誓词 坚定理想信念", None),
    ("争创“北疆模范机关” 争当表率", "北疆模范机关"),
    ("学习贯彻党的二十大精神知识答题", "学习贯彻党的二十大精神"),
    ("走进包联嘎查 开展志愿服务", "我为群众办实事"),
    ("植树造林 守护绿色阿拉善", "生态保护"),
]


def _weekday(day: datetime.date) -> datetime.date:
    """Move a Saturday or Sunday back to the Friday (days are drawn from the 3rd onwards)."""
    return day - datetime.timedelta(days=max(day.weekday() - 4, 0))


def _day_in(rng, year: int, month: int, low: int = 3, high: int = 26) -> datetime.date:
    return _weekday(datetime.date(year, month, rng.randint(low, high)))


@dataclass
class Planned:
    activity: Activity
    attendees: list  # member tuples
    tags: list
    joint: list


def _profile(rng):
    roll, total = rng.random(), 0.0
    for profile in PROFILES:
        total += profile[1]
        if roll < total:
            return profile
    return PROFILES[0]


def plan_branch(organization, roster, context, siblings) -> list[Planned]:
    if not roster.members:
        return []
    rng = rng_for(organization.name, "activities")
    name, _, skip_month, skip_quarter, skip_year = _profile(rng)
    today = context.today
    stop = today - datetime.timedelta(days=rng.randint(70, 100)) if name == "stopped" else None
    theme_day = rng.randint(8, 20)  # the branch's fixed 主题党日 of the month
    secretary = roster.secretary
    host = secretary[2] if secretary else ""
    seat_pks = {pk for pk, _ in roster.seats}
    plans = []

    def add(kind, day, theme, attendees, *, group=None, place=None, who=host, tags=(), joint=()):
        if day > today or day < context.start or (stop and day >= stop):
            return
        present = [m for m in attendees if m[3] <= day]
        if not present:
            return
        activity = Activity(
            organization=organization,
            kind=context.kinds[kind],
            party_group_id=group,
            held_on=day,
            theme=theme[:200],
            place=place or rng.choice(PLACES),
            host=who[:50],
            created_by=context.users.get(organization.pk, context.recorder),
        )
        _set_status(activity, rng, today)
        activity.minutes = "会议由{host}主持，应到{n}人。{theme}。".format(
            host=who or "支部书记", n=len(present), theme=theme
        )
        tag_ids = [context.tags[t] for t in tags if t in context.tags]
        plans.append(Planned(activity, _marks(present, day, rng), tag_ids, list(joint)))

    everyone = roster.members
    committee = [m for m in everyone if m[0] in seat_pks]
    for year, month in context.months():
        quarter = (month - 1) // 3 + 1
        if rng.random() >= skip_month:
            theme, tag = rng.choice(THEME_DAYS)
            joint = []
            others = [pk for pk in siblings[organization.parent_id] if pk != organization.pk]
            if others and rng.random() < 0.04:
                joint = rng.sample(others, min(len(others), rng.randint(1, 2)))
                theme = f"联合主题党日：{theme}"
            day = _weekday(datetime.date(year, month, theme_day))
            place = rng.choice(OUTINGS) if rng.random() < 0.4 else None
            add(
                "theme-day",
                day,
                theme,
                everyone,
                place=place,
                tags=[tag] if tag else (),
                joint=joint,
            )
            if rng.random() < 0.12:  # a second themed activity that month (a campaign)
                theme, tag = rng.choice(THEME_DAYS)
                add(
                    "theme-day",
                    _day_in(rng, year, month, 21, 27),
                    theme,
                    everyone,
                    place=rng.choice(OUTINGS),
                    tags=[tag] if tag else (),
                )
        sliding = name == "sliding" and rng.random() < 0.55
        if roster.has_committee and not sliding and rng.random() >= skip_month:
            # Some months need a second meeting (a development case, an urgent task).
            for low, high in [(3, 12)] + ([(16, 26)] if rng.random() < 0.2 else []):
                topic = rng.choice(COMMITTEE_TOPICS)
                add(
                    "committee-meeting",
                    _day_in(rng, year, month, low, high),
                    f"{month}月支委会：{topic}",
                    committee,
                )
        for group_pk, group_name in roster.groups:
            if sliding or rng.random() < skip_month:
                continue
            members = [m for m in everyone if m[1] == group_pk]
            add(
                "group-meeting",
                _day_in(rng, year, month, 10, 24),
                f"{group_name}{month}月党小组会：{rng.choice(GROUP_TOPICS)}",
                members,
                group=group_pk,
                who=members[0][2] if members else host,
            )
        if month % 3 == 2:  # quarterly items, placed in the quarter's middle or last month
            if rng.random() >= skip_quarter:
                held = _day_in(rng, year, month + rng.randint(0, 1))
                add(
                    "general-meeting",
                    held,
                    f"第{quarter}季度支部党员大会：{rng.choice(GENERAL_TOPICS)}",
                    everyone,
                    tags=["学习贯彻党的二十大精神"] if rng.random() < 0.1 else (),
                )
            lectures = 0 if rng.random() < skip_quarter else 1 + (rng.random() < 0.3)
            for number in range(lectures):
                title, tag = rng.choice(LECTURES)
                by_secretary = number == 0 and (quarter == 2 or rng.random() < 0.3)
                lecturer = f"{host}（书记）" if by_secretary else rng.choice(everyone)[2]
                add(
                    "party-lecture",
                    _day_in(rng, year, month + rng.randint(-1, 1)),
                    title,
                    everyone,
                    who=lecturer,
                    tags=[tag] if tag and rng.random() < 0.4 else (),
                )
    for year in (today.year - 1, today.year):
        if rng.random() >= skip_year:
            add(
                "member-review",
                _day_in(rng, year, rng.randint(1, 3)),
                f"{year - 1}年度民主评议党员",
                everyone,
            )
        if rng.random() >= skip_year:  # mostly in December: this year's is still due
            add(
                "life-meeting",
                _day_in(rng, year, rng.choice([11, 12, 12, 12])),
                f"{year}年度组织生活会",
                everyone,
            )
        # 谈心谈话: the secretary talks with most members once a year, and a committee
        # member with many of them again.
        for member in everyone:
            talkers = [secretary] if rng.random() >= 0.15 + skip_year else []
            if committee and rng.random() < 0.6:
                talkers.append(rng.choice(committee))
            for talker in talkers:
                if talker is member or talker is None:
                    continue
                day = _day_in(rng, year, rng.randint(1, 12))
                add(
                    "heart-talk",
                    day,
                    f"{talker[2]}与{member[2]}同志谈心谈话",
                    [talker, member],
                    who=talker[2],
                )
    return plans


def _set_status(activity, rng, today):
    age = (today - activity.held_on).days
    roll = rng.random()
    if age <= 14:
        status = (
            Status.DRAFT if roll < 0.25 else Status.SUBMITTED if roll < 0.75 else Status.APPROVED
        )
    elif age <= 60:
        status = (
            Status.APPROVED if roll < 0.8 else Status.SUBMITTED if roll < 0.97 else Status.RETURNED
        )
    else:
        # Older returned records were mostly corrected and approved; a few never were.
        status = (
            Status.APPROVED if roll < 0.985
            else Status.SUBMITTED if roll < 0.995
            else Status.RETURNED if roll < 0.998
            else Status.DRAFT
        )  # fmt: skip
    activity.status = status
    if status == Status.RETURNED:
        activity.review_comment = rng.choice(RETURN_COMMENTS)


def _marks(people, day, rng) -> list[tuple]:
    marks = []
    for pk, _, _, _, lost_since, floating in people:
        roll = rng.random()
        if lost_since and lost_since <= day:
            marks.append((pk, Mark.ABSENT, "失联"))
        elif floating and roll < 0.6:
            marks.append((pk, Mark.LEAVE, "流动党员外出"))
        elif roll < 0.07:
            marks.append((pk, Mark.LEAVE, rng.choice(LEAVE_REASONS)))
        elif roll < 0.085:
            marks.append((pk, Mark.ABSENT, rng.choice(ABSENT_REASONS)))
        else:
            marks.append((pk, Mark.PRESENT, ""))
    return marks


def write_activities(planned: list[Planned]) -> int:
    Activity.objects.bulk_create([p.activity for p in planned], batch_size=2000)
    attendances = [
        Attendance(activity_id=p.activity.pk, member_id=pk, status=status, reason=reason)
        for p in planned
        for pk, status, reason in p.attendees
    ]
    Attendance.objects.bulk_create(attendances, batch_size=5000)
    Tag = Activity.tags.through
    Tag.objects.bulk_create(
        [Tag(activity_id=p.activity.pk, campaigntag_id=t) for p in planned for t in p.tags],
        batch_size=5000,
    )
    Joint = Activity.joint_organizations.through
    Joint.objects.bulk_create(
        # The partners (branches of the host's committee) have confirmed.
        [
            Joint(activity_id=p.activity.pk, organization_id=o, status="confirmed")
            for p in planned
            for o in p.joint
        ],
        batch_size=5000,
    )
    return len(attendances)
