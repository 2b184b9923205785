"""The demo's service ledgers: the seed report's figures (shares.py), one organisation at a
time."""

import datetime
from decimal import Decimal

from django.db.models import Count

from branches.models import CommitteeSeat, Member, Organization

from ..models import ServiceRecord
from .base import rng_for
from .life import BRANCH_TYPES
from .shares import Share, plan_shares

TOWNS = [
    "阿拉善左旗巴润别立镇", "阿拉善左旗温都尔勒图镇", "阿拉善左旗宗别立镇",
    "阿拉善左旗吉兰泰镇", "阿拉善左旗敖伦布拉格镇", "阿拉善左旗银根苏木", "阿拉善右旗雅布赖镇",
    "阿拉善右旗阿拉腾朝格苏木", "额济纳旗达来呼布镇", "额济纳旗东风镇",
]  # fmt: skip
GACHA = [
    "巴彦霍德", "乌兰素海", "塔木素", "查干高勒", "锡林高勒", "额日布盖", "图克木", "宝日乌拉",
    "巴彦诺日公", "哈日布日格德", "沙日布日都", "乌兰布和", "格日勒图", "呼和温都尔",
    "阿拉腾敖包", "巴彦木仁", "乌力吉", "希尼乌苏", "哈什哈", "查汗鄂日格", "达兰图如",
    "额很查汗", "苏海图", "宝日陶勒盖",
]  # fmt: skip
COMMUNITIES = ["南田社区", "新华社区", "王府社区", "团结社区", "额鲁特社区", "巴彦街道东区社区"]
HOUSEHOLD_NAMES = ["苏和", "巴图", "其木格", "额尔敦", "乌日娜", "宝音", "那仁", "马建军", "王秀兰"]
GOOD_DEEDS = [
    ("翻新公共旱厕", 80, 400), ("维修草沟路段", 100, 600), ("安装路灯", 60, 500),
    ("硬化巷道", 50, 300), ("整治环境卫生", 100, 800), ("疏通排水管道", 30, 200),
    ("修缮党群活动室", 40, 200), ("开展爱心义诊", 20, 150), ("送法律知识上门", 20, 120),
    ("协助办理社保医保", 5, 40), ("帮助困难群众就业", 1, 10), ("慰问困难老党员", 3, 30),
    ("帮助农户采摘枸杞", 5, 30), ("为老年人讲解防诈骗知识", 30, 200),
]  # fmt: skip
PLEDGES = [
    "带头学习贯彻党的二十大精神，全年撰写学习笔记不少于2万字",
    "每月参加一次社区志愿服务",
    "帮助1户困难群众解决实际困难",
    "立足岗位办结群众诉求，做到件件有回音",
    "带头讲好民族团结故事",
    "参与包联嘎查环境整治",
    "学习强国每日学习不少于30分",
]
VOLUNTEERING = [
    "文明城市创建志愿服务", "社区环境卫生清理", "交通文明劝导", "关爱空巢老人志愿服务",
    "包联嘎查植树造林", "“学雷锋”便民服务", "防诈骗宣传进社区", "义务献血",
]  # fmt: skip
# The ten teams of the seed report's 南田社区 project (four of them named there).
TEAMS = [
    ("老年健康科普志愿服务队", "南田社区"),
    ("环境治理保护志愿服务队", "南田社区"),
    ("红色物业贴心志愿服务队", "南田社区"),
    ("爱心义诊志愿服务队", "南田社区"),
    ("法律咨询志愿服务队", "南田社区"),
    ("文明创建志愿服务队", "南田社区"),
    ("关爱儿童志愿服务队", "南田社区"),
    ("民族团结宣讲志愿服务队", "南田社区"),
    ("就业帮扶志愿服务队", "南田社区"),
    ("文化惠民志愿服务队", "南田社区"),
]
PIONEER_GROUPS = 12
# "党建+" projects named in the seed report: (name, keyword in the owner's name, owner types).
ROOT_TYPES = (Organization.Type.WORK_COMMITTEE,)
PROJECTS = [
    ("“党建+四治融合”基层治理项目", "", ROOT_TYPES),
    ("党务干部积分制管理", "", ROOT_TYPES),
    ("“三比三创”争先创优", "", ROOT_TYPES),
    ("名师名课库打造", "", ROOT_TYPES),
    ("“车轮上的供销社”", "供销合作社", BRANCH_TYPES),
    ("党建助力污染防治攻坚战", "生态环境局", Organization.COMMITTEE_TYPES),
    ("党员先锋法律宣讲团", "司法局", BRANCH_TYPES),
    ("党建+“科技兴蒙”", "科学技术局", BRANCH_TYPES),
    ("“党徽在胸前，服务在身边”", "民政局", Organization.COMMITTEE_TYPES),
    ("“我帮你·善益+”志愿服务暖心", "红十字会", BRANCH_TYPES),
    ("乌兰牧骑精神进基层", "乌兰牧骑", BRANCH_TYPES),
]
EMERGENCY_NOW = [
    ("防汛抗旱临时党支部", "黑河流域防汛值守", -1),
    ("乡村振兴驻村工作队临时党支部", "包联嘎查驻村帮扶", 0),
    ("重点项目建设临时党支部", "重点项目建设一线", 0),
]
R = ServiceRecord.Status


def plan_service_shares(organizations) -> dict[int, Share]:
    """Each organisation's share of the seed report's figures (see `shares`)."""
    members = dict(
        Member.objects.filter(standing=Member.Standing.NORMAL)
        .order_by()
        .values("organization_id")
        .annotate(n=Count("pk"))
        .values_list("organization_id", "n")
    )
    seats = dict(
        CommitteeSeat.objects.current()
        .order_by()
        .values("organization_id")
        .annotate(n=Count("pk"))
        .values_list("organization_id", "n")
    )
    villages = [f"{town}{gacha}嘎查" for town in TOWNS for gacha in GACHA]
    households = [f"{village}{name}家" for village in villages for name in HOUSEHOLD_NAMES]
    return plan_shares(
        organizations,
        members=members,
        seats=seats,
        villages=villages,
        communities=COMMUNITIES,
        households=households,
    )


def plan_services(organization, roster, context) -> list[tuple]:
    """(record, member pks) for one organisation: its share of the seed report's figures
    (`shares`), and 志愿服务 at about a sixth of the report's 12,000 (a full-size ledger would
    be most of the list's rows at ×10)."""
    rng = rng_for(organization.name, "services")
    today = context.today
    share = context.shares.get(organization.pk, Share())
    by = context.users.get(organization.pk, context.recorder)
    out = []
    days = (today - context.start).days

    def add(
        code,
        title,
        started,
        *,
        ended=None,
        status=None,
        partner="",
        quantity=None,
        members=(),
        people="",
        description="",
    ):
        if status is None:
            status = R.COMPLETED if ended and ended <= today else R.IN_PROGRESS
            if started > today:
                status = R.PLANNED
        if ended and ended > today:
            ended = None
        record = ServiceRecord(
            type=context.types[code],
            organization=organization,
            title=title[:200],
            description=description,
            people=people[:500],
            partner=partner[:200],
            started_on=started,
            ended_on=ended,
            status=status,
            quantity=Decimal(quantity) if quantity is not None else None,
            created_by=by,
        )
        out.append((record, [m[0] for m in members]))

    def village():
        if rng.random() < 0.25:
            return rng.choice(COMMUNITIES)
        return f"{rng.choice(TOWNS)}{rng.choice(GACHA)}嘎查"

    def some_day():
        return context.start + datetime.timedelta(days=rng.randint(0, days))

    members = roster.members
    if organization.type in BRANCH_TYPES and members:
        for _ in range(share.serve_the_people):
            deed, low, high = rng.choice(GOOD_DEEDS)
            partner = village()
            started = some_day() + datetime.timedelta(days=rng.randint(0, 40))
            ended = started + datetime.timedelta(days=rng.randint(7, 120))
            status = R.TERMINATED if rng.random() < 0.03 else None
            add(
                "serve-the-people",
                f"为{partner}{deed}",
                started,
                ended=ended,
                status=status,
                partner=partner,
                quantity=rng.randint(low, high),
                people="支部党员",
                members=rng.sample(members, min(len(members), 3)),
            )
        slots = [(year, member) for year in (today.year - 1, today.year) for member in members]
        for index in sorted(rng.sample(range(len(slots)), min(share.pledges, len(slots)))):
            year, member = slots[index]
            started = datetime.date(year, rng.randint(1, 3), rng.randint(1, 28))
            ended = datetime.date(year, 12, rng.randint(20, 31))
            status = R.TERMINATED if rng.random() < 0.04 else None
            add(
                "pledge",
                f"{member[2]}：{rng.choice(PLEDGES)}",
                started,
                ended=ended,
                status=status,
                members=[member],
            )
        for _ in range(rng.randint(6, 16)):
            day = some_day()
            helpers = rng.sample(members, min(len(members), rng.randint(2, 6)))
            add(
                "volunteer-service",
                rng.choice(VOLUNTEERING),
                day,
                ended=day,
                partner=village(),
                quantity=len(helpers) * rng.randint(2, 4),
                members=helpers,
                people=f"党员{len(helpers)}名",
            )
        for partner in share.villages:
            add(
                "village-pairing",
                f"{'包联' if partner.endswith('嘎查') else '互联互通'}{partner}",
                _year_start(rng, 2021, 2024),
                partner=partner,
                people="支部全体党员",
                description="学习教育联学、组织生活联过、活动阵地联建、主题党日联合、"
                "业务工作和办实事联商、党员群众联手。",
            )
        for household, leader in zip(share.households, roster.leaders, strict=False):
            add(
                "ethnic-unity-pairing",
                f"{leader[2]}结对{household}",
                _year_start(rng, 2022, today.year - 1),
                partner=household,
                quantity=rng.randint(2, 12),
                members=[leader],
            )
    if share.assistance:
        add(
            "assistance-pairing",
            f"结对帮扶{(partner := village())}",
            _year_start(rng, 2021, 2023),
            partner=partner,
            quantity=rng.randint(2, 30),
        )
    _emergency(add, rng, organization, share.epidemic_branches)
    if organization.type == Organization.Type.WORK_COMMITTEE:
        for team, partner in TEAMS:
            add(
                "volunteer-team",
                team,
                _year_start(rng, 2022, 2023),
                partner=partner,
                quantity=rng.randint(15, 40),
            )
        for number in range(1, PIONEER_GROUPS + 1):
            add(
                "pioneer-group",
                f"南田社区第{number}网格党员先锋小组",
                _year_start(rng, 2022, 2023),
                partner=f"南田社区第{number}网格",
                quantity=rng.randint(5, 12),
            )
        for name, partner, years_ago in EMERGENCY_NOW:
            year = today.year + years_ago
            started = datetime.date(year, rng.randint(3, 6), rng.randint(1, 28))
            ended = datetime.date(year, 9, 30) if years_ago else None
            add(
                "temporary-branch",
                name,
                started,
                ended=ended,
                partner=partner,
                quantity=rng.randint(8, 30),
            )
    for name, keyword, types in PROJECTS:
        if organization.type in types and keyword in organization.name:
            add(
                "party-building-plus",
                name,
                _year_start(rng, 2022, 2024),
                partner=rng.choice(COMMUNITIES),
                people="党员干部",
            )
    return out


def _year_start(rng, first: int, last: int) -> datetime.date:
    return datetime.date(rng.randint(first, last), rng.randint(1, 6), rng.randint(1, 28))


def _emergency(add, rng, organization, count):
    """Temporary branches of the epidemic (the seed report counts 43), all in 2022."""
    for _ in range(count):
        community = rng.choice(COMMUNITIES)
        started = datetime.date(2022, rng.randint(3, 10), rng.randint(1, 28))
        add(
            "temporary-branch",
            f"{community}疫情防控临时党支部",
            started,
            ended=started + datetime.timedelta(days=rng.randint(20, 90)),
            partner=community,
            quantity=rng.randint(5, 40),
            people=f"{organization.display_name}下沉党员",
        )


def write_services(services: list[tuple]) -> int:
    ServiceRecord.objects.bulk_create([record for record, _ in services], batch_size=2000)
    Through = ServiceRecord.members.through
    Through.objects.bulk_create(
        [
            Through(servicerecord_id=record.pk, member_id=pk)
            for record, members in services
            for pk in members
        ],
        batch_size=5000,
    )
    return len(services)
