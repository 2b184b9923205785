"""The demo's teacher pool (60 teachers, some pending or retired) and course menu (30
courses)."""

from decimal import Decimal

from ..models import Course, CourseForm, Teacher

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


def seed_teachers(rng) -> int:
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


def seed_courses(rng) -> int:
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
