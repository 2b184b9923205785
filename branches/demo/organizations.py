"""The demo league: shaped like the seed report (one 机关工委, ~25 party committees, 201
branches over the four guidance categories, a few temporary branches). Deterministic and
idempotent: organisations are keyed by their unique full name."""

import datetime
import random

from django.db import transaction

from ..models import Organization

T = Organization.Type
C = Organization.Category

ROOT_NAME = "中共阿拉善盟直属机关工作委员会"
NUMERALS = "一二三四五六七八九十"

# (full name, short name, type, category, named branches, extra numbered 机关 branches)
COMMITTEES = [
    (
        "中共阿拉善盟委办公室机关委员会",
        "盟委办机关党委",
        T.ORGAN_COMMITTEE,
        C.PARTY_MASS,
        ["综合科党支部", "督查室党支部", "机要保密局党支部", "档案馆党支部"],
        2,
    ),
    (
        "中共阿拉善盟委组织部机关委员会",
        "盟委组织部机关党委",
        T.ORGAN_COMMITTEE,
        C.PARTY_MASS,
        ["干部科党支部", "组织科党支部", "党员教育中心党支部"],
        2,
    ),
    (
        "中共阿拉善盟委宣传部机关委员会",
        "盟委宣传部机关党委",
        T.ORGAN_COMMITTEE,
        C.PARTY_MASS,
        ["理论科党支部", "网信办党支部", "融媒体中心党支部"],
        2,
    ),
    (
        "中共阿拉善盟委统战部机关委员会",
        "盟委统战部机关党委",
        T.ORGAN_COMMITTEE,
        C.PARTY_MASS,
        ["民族宗教事务科党支部", "民族宗教研究中心党支部"],
        2,
    ),
    (
        "中共阿拉善盟委政法委员会机关委员会",
        "盟委政法委机关党委",
        T.ORGAN_COMMITTEE,
        C.PARTY_MASS,
        ["综治中心党支部", "执法监督科党支部"],
        2,
    ),
    (
        "中共阿拉善盟纪委监委机关委员会",
        "盟纪委监委机关党委",
        T.ORGAN_COMMITTEE,
        C.PARTY_MASS,
        [
            "第一监督检查室党支部",
            "第二监督检查室党支部",
            "审查调查室党支部",
            "案件审理室党支部",
            "巡察办党支部",
        ],
        2,
    ),
    (
        "中共阿拉善盟行政公署办公室机关委员会",
        "行署办机关党委",
        T.ORGAN_COMMITTEE,
        C.ECONOMIC,
        ["政务服务局党支部", "金融服务中心党支部", "研究室党支部"],
        3,
    ),
    (
        "中共阿拉善盟发展和改革委员会委员会",
        "盟发改委党委",
        T.COMMITTEE,
        C.ECONOMIC,
        [
            "能源局党支部",
            "粮食和物资储备中心党支部",
            "价格认证中心党支部",
            "重点项目服务中心党支部",
        ],
        4,
    ),
    (
        "中共阿拉善盟财政局机关委员会",
        "盟财政局机关党委",
        T.ORGAN_COMMITTEE,
        C.ECONOMIC,
        ["预算科党支部", "国库支付中心党支部", "财政投资评审中心党支部"],
        3,
    ),
    (
        "中共阿拉善盟公安局委员会",
        "盟公安局党委",
        T.COMMITTEE,
        C.ECONOMIC,
        [
            "治安管理支队党支部",
            "刑事侦查支队党支部",
            "交通管理支队党支部",
            "出入境管理支队党支部",
            "网络安全保卫支队党支部",
            "禁毒支队党支部",
            "特警支队党支部",
            "看守所党支部",
            "指挥中心党支部",
            "经济犯罪侦查支队党支部",
            "警务保障处党支部",
            "政治部党支部",
        ],
        2,
    ),
    (
        "中共阿拉善盟市场监督管理局委员会",
        "盟市场监管局党委",
        T.COMMITTEE,
        C.ECONOMIC,
        [
            "综合行政执法支队党支部",
            "食品安全科党支部",
            "特种设备检验所党支部",
            "产品质量检验所党支部",
            "计量测试所党支部",
        ],
        4,
    ),
    (
        "中共阿拉善盟自然资源局委员会",
        "盟自然资源局党委",
        T.COMMITTEE,
        C.ECONOMIC,
        [
            "国土空间规划科党支部",
            "不动产登记中心党支部",
            "矿业权交易中心党支部",
            "测绘地理信息中心党支部",
        ],
        4,
    ),
    (
        "中共阿拉善盟生态环境局委员会",
        "盟生态环境局党委",
        T.COMMITTEE,
        C.ECONOMIC,
        ["环境监测站党支部", "生态环境综合行政执法支队党支部", "阿拉善左旗分局党支部"],
        4,
    ),
    (
        "中共阿拉善盟农牧局委员会",
        "盟农牧局党委",
        T.COMMITTEE,
        C.ECONOMIC,
        [
            "农牧业技术推广中心党支部",
            "动物疫病预防控制中心党支部",
            "农牧业综合行政执法支队党支部",
            "种子站党支部",
        ],
        4,
    ),
    (
        "中共阿拉善盟林业和草原局委员会",
        "盟林草局党委",
        T.COMMITTEE,
        C.ECONOMIC,
        [
            "林业和草原保护站党支部",
            "治沙站党支部",
            "森林草原防火中心党支部",
            "梭梭林保护中心党支部",
        ],
        4,
    ),
    (
        "中共阿拉善盟教育体育局委员会",
        "盟教体局党委",
        T.COMMITTEE,
        C.SOCIAL,
        [
            "阿拉善盟第一中学党支部",
            "阿拉善盟第二中学党支部",
            "阿拉善盟蒙古族学校党支部",
            "阿拉善盟特殊教育学校党支部",
            "阿拉善盟体育运动学校党支部",
            "教育教学研究中心党支部",
            "招生考试中心党支部",
        ],
        3,
    ),
    (
        "中共阿拉善盟卫生健康委员会委员会",
        "盟卫健委党委",
        T.COMMITTEE,
        C.SOCIAL,
        [
            "阿拉善盟中心医院第一党支部",
            "阿拉善盟中心医院第二党支部",
            "阿拉善盟蒙医医院党支部",
            "阿拉善盟疾病预防控制中心党支部",
            "阿拉善盟妇幼保健院党支部",
            "阿拉善盟急救中心党支部",
            "阿拉善盟中心血站党支部",
            "卫生健康综合监督执法局党支部",
            "医疗保障事务中心党支部",
        ],
        3,
    ),
    (
        "中共阿拉善盟民政局机关委员会",
        "盟民政局机关党委",
        T.ORGAN_COMMITTEE,
        C.SOCIAL,
        ["社会福利院党支部", "救助管理站党支部", "殡仪馆党支部"],
        2,
    ),
    (
        "中共阿拉善盟人力资源和社会保障局机关委员会",
        "盟人社局机关党委",
        T.ORGAN_COMMITTEE,
        C.SOCIAL,
        [
            "社会保险事业服务中心党支部",
            "就业服务中心党支部",
            "劳动保障监察支队党支部",
            "人事考试中心党支部",
        ],
        2,
    ),
    (
        "中共阿拉善盟文化旅游体育广电局机关委员会",
        "盟文旅广电局机关党委",
        T.ORGAN_COMMITTEE,
        C.SOCIAL,
        [
            "阿拉善盟乌兰牧骑党支部",
            "阿拉善博物馆党支部",
            "阿拉善盟图书馆党支部",
            "广播电视台党支部",
            "文化市场综合执法支队党支部",
        ],
        2,
    ),
    (
        "中共阿拉善职业技术学院委员会",
        "阿拉善职院党委",
        T.COMMITTEE,
        C.SOCIAL,
        [
            "教务处党支部",
            "学生工作处党支部",
            "能源化工系党支部",
            "农牧林草系党支部",
            "旅游与经贸系党支部",
            "基础教学部党支部",
            "后勤服务中心党支部",
            "离退休教职工党支部",
            "学生党支部",
        ],
        0,
    ),
    (
        "中共阿拉善盟城市建设投资集团有限公司委员会",
        "盟城投集团党委",
        T.COMMITTEE,
        C.STATE_OWNED,
        [
            "本部党支部",
            "水务公司党支部",
            "供热公司党支部",
            "公交公司党支部",
            "物业公司党支部",
            "建设工程公司党支部",
            "置业公司党支部",
        ],
        0,
    ),
    (
        "中共阿拉善盟文化旅游投资集团有限公司委员会",
        "盟文旅投党委",
        T.COMMITTEE,
        C.STATE_OWNED,
        [
            "本部党支部",
            "贺兰山景区公司党支部",
            "胡杨林景区公司党支部",
            "沙漠旅游公司党支部",
            "酒店管理公司党支部",
        ],
        0,
    ),
    (
        "中共阿拉善盟交通运输局总支部委员会",
        "盟交通运输局党总支",
        T.GENERAL_BRANCH,
        C.ECONOMIC,
        ["公路管理所党支部", "交通运输综合行政执法支队党支部", "运输服务中心党支部"],
        1,
    ),
    (
        "中共阿拉善盟总工会机关总支部委员会",
        "盟总工会党总支",
        T.GENERAL_BRANCH,
        C.PARTY_MASS,
        ["职工服务中心党支部", "工人文化宫党支部"],
        1,
    ),
]

# Branches reporting straight to the work committee: (unit, type, category).
DIRECT_BRANCHES = [
    ("阿拉善盟统计局", T.BRANCH, C.ECONOMIC),
    ("阿拉善盟审计局", T.BRANCH, C.ECONOMIC),
    ("阿拉善盟司法局", T.BRANCH, C.SOCIAL),
    ("阿拉善盟住房和城乡建设局", T.BRANCH, C.ECONOMIC),
    ("阿拉善盟水务局", T.BRANCH, C.ECONOMIC),
    ("阿拉善盟商务局", T.BRANCH, C.ECONOMIC),
    ("阿拉善盟应急管理局", T.BRANCH, C.ECONOMIC),
    ("阿拉善盟退役军人事务局", T.BRANCH, C.SOCIAL),
    ("阿拉善盟医疗保障局", T.BRANCH, C.SOCIAL),
    ("阿拉善盟科学技术局", T.BRANCH, C.SOCIAL),
    ("阿拉善盟工业和信息化局", T.BRANCH, C.ECONOMIC),
    ("阿拉善盟能源局", T.BRANCH, C.ECONOMIC),
    ("阿拉善盟国有资产监督管理委员会", T.BRANCH, C.ECONOMIC),
    ("阿拉善盟机关事务服务中心", T.BRANCH, C.SOCIAL),
    ("阿拉善盟信访局", T.BRANCH, C.PARTY_MASS),
    ("阿拉善盟委党校", T.BRANCH, C.PARTY_MASS),
    ("阿拉善盟委党史研究室", T.BRANCH, C.PARTY_MASS),
    ("阿拉善盟委编办", T.BRANCH, C.PARTY_MASS),
    ("共青团阿拉善盟委员会", T.BRANCH, C.PARTY_MASS),
    ("阿拉善盟妇女联合会", T.BRANCH, C.PARTY_MASS),
    ("阿拉善盟残疾人联合会", T.BRANCH, C.SOCIAL),
    ("阿拉善盟红十字会", T.BRANCH, C.SOCIAL),
    ("阿拉善盟气象局", T.BRANCH, C.OTHER),
    ("阿拉善盟地震局", T.BRANCH, C.OTHER),
    ("阿拉善盟供销合作社", T.BRANCH, C.ECONOMIC),
    ("阿拉善盟国有资本投资运营有限公司", T.BRANCH, C.STATE_OWNED),
    ("阿拉善盟科协、文联", T.JOINT_BRANCH, C.PARTY_MASS),
    ("阿拉善盟工商联、侨联", T.JOINT_BRANCH, C.PARTY_MASS),
]

TEMPORARY_BRANCHES = [
    ("中共阿拉善盟直属机关防汛抗旱临时支部委员会", C.OTHER),
    ("中共阿拉善盟直属机关乡村振兴驻村工作队临时支部委员会", C.OTHER),
    ("中共阿拉善盟直属机关重点项目建设临时支部委员会", C.OTHER),
]


def _party_name(unit: str, type_: str) -> str:
    suffix = {T.BRANCH: "支部委员会", T.JOINT_BRANCH: "联合支部委员会"}[type_]
    return f"中共{unit}{suffix}"


def _branch_full_name(committee_short: str, branch: str) -> str:
    owner = committee_short.removesuffix("机关党委").removesuffix("党委").removesuffix("党总支")
    return f"{owner}{branch}"


def _numbered(n: int) -> str:
    return NUMERALS[n - 1] if n <= 10 else f"十{NUMERALS[n - 11]}"


def league_rows(scale: int = 1):
    """Yield (name, short_name, type, category, parent_name) in creation order."""
    for copy in range(1, scale + 1):
        tag = "" if copy == 1 else f"（扩展{copy}）"
        for name, short, type_, category, named, extra in COMMITTEES:
            yield f"{name}{tag}", f"{short}{tag}", type_, category, ROOT_NAME
            branch_names = list(named) + [
                f"机关第{_numbered(i)}党支部" for i in range(1, extra + 1)
            ]
            for branch in branch_names:
                yield (
                    _branch_full_name(short, branch) + tag,
                    branch.removesuffix("党支部") + tag,
                    T.BRANCH,
                    category,
                    f"{name}{tag}",
                )
        for unit, type_, category in DIRECT_BRANCHES:
            yield _party_name(unit, type_) + tag, unit + tag, type_, category, ROOT_NAME
        for name, category in TEMPORARY_BRANCHES:
            yield (
                name + tag,
                name.removeprefix("中共阿拉善盟直属机关").removesuffix("临时支部委员会") + tag,
                T.TEMPORARY_BRANCH,
                category,
                ROOT_NAME,
            )


@transaction.atomic
def seed_organizations(scale: int = 1) -> int:
    """Create whatever part of the demo league is missing; return how many were created."""
    rng = random.Random(20231)
    existing = dict(Organization.objects.values_list("name", "pk"))
    created = 0
    root = Organization.objects.filter(name=ROOT_NAME).first()
    if root is None:
        root = Organization.objects.create(
            name=ROOT_NAME,
            short_name="盟直属机关工委",
            type=T.WORK_COMMITTEE,
            category=C.OTHER,
            established_on=datetime.date(1984, 7, 1),
        )
        created += 1
    by_name = {ROOT_NAME: root}
    for name, short, type_, category, parent_name in league_rows(scale):
        # Draw the date for every row, created or not, so reruns stay deterministic.
        established = datetime.date(1990, 1, 1) + datetime.timedelta(days=rng.randrange(12000))
        if name in existing:
            by_name.setdefault(name, None)
            continue
        parent = by_name.get(parent_name) or Organization.objects.get(name=parent_name)
        by_name[parent_name] = parent
        by_name[name] = Organization.objects.create(
            name=name,
            short_name=short[:40],
            type=type_,
            category=category,
            parent=parent,
            established_on=established,
        )
        created += 1
    return created
