"""Demo people drawn at random but deterministically: names, ID numbers, birth dates and
the members of a branch (each organisation draws from its own seeded generator). The demo
accounts that are members themselves keep their own names."""

import datetime
import random
import zlib

from alxa_dangjian.core.idnumber import make_id_number

from ..models import (
    CommitteeSeat,
    Member,
    Organization,
    add_years,
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰飞鹏辉建国志红海燕晓东亮宁凯雪梅琳斌浩然子涵思远欣怡佳宇博文俊峰丹"  # noqa: E501
MONGOLIAN = [
    "巴特尔", "其其格", "乌云", "苏和", "额尔敦", "阿拉坦", "图雅", "萨仁", "斯琴", "宝音",
    "朝鲁", "敖登", "格日勒", "那仁", "满都拉", "哈斯", "娜仁", "孟和", "吉日嘎拉", "乌兰",
    "包力高", "达来", "呼和", "额日和", "塔娜", "阿如汉", "赛音", "布仁", "都兰", "苏日娜",
]  # fmt: skip
REGIONS = ["152921", "152922", "152923", "152901", "150102", "150203", "152502", "640104"]
ETHNIC_MIX = [("汉族", 66), ("蒙古族", 28), ("回族", 3), ("满族", 2), ("达斡尔族", 1)]
EDUCATION_MIX = [
    (Member.Education.POSTGRADUATE, 10),
    (Member.Education.BACHELOR, 62),
    (Member.Education.COLLEGE, 18),
    (Member.Education.SECONDARY, 4),
    (Member.Education.HIGH_SCHOOL, 3),
    (Member.Education.JUNIOR, 3),
]
DEGREE_FOR = {
    Member.Education.POSTGRADUATE: Member.Degree.MASTER,
    Member.Education.BACHELOR: Member.Degree.BACHELOR,
}
NATIVE_PLACES = [
    "内蒙古阿拉善左旗", "内蒙古阿拉善右旗", "内蒙古额济纳旗", "内蒙古呼和浩特", "内蒙古巴彦淖尔",
    "内蒙古鄂尔多斯", "宁夏银川", "甘肃武威", "甘肃民勤", "陕西榆林",
]  # fmt: skip


def _rng(name: str, salt: str) -> random.Random:
    return random.Random(zlib.crc32(f"{salt}:{name}".encode()))


def _weighted(rng, mix):
    return rng.choices([value for value, _ in mix], weights=[w for _, w in mix])[0]


class _IdAllocator:
    """Hands out valid, unique ID numbers (region + birth date + sequence)."""

    def __init__(self, taken):
        self.taken = set(taken)

    def make(self, rng, birth_date, gender):
        for _ in range(1000):
            number = make_id_number(
                region=rng.choice(REGIONS),
                birth_date=birth_date,
                sequence=rng.randrange(2, 998),
                gender=gender,
            )
            if number not in self.taken:
                self.taken.add(number)
                return number
        raise RuntimeError("ID numbers exhausted")


def _person(rng, ids, *, born_from=1960, born_to=2001):
    ethnicity = _weighted(rng, ETHNIC_MIX)
    gender = rng.choice([Member.Gender.MALE, Member.Gender.FEMALE])
    if ethnicity == "蒙古族" and rng.random() < 0.7:
        name = rng.choice(MONGOLIAN) + ("" if rng.random() < 0.6 else rng.choice(GIVEN))
    else:
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2])))
    birth = datetime.date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
    return {
        "name": name,
        "gender": gender,
        "ethnicity": ethnicity,
        "birth_date": birth,
        "id_number": ids.make(rng, birth, gender),
    }


def _branch_size(rng, organization) -> int:
    roll = rng.random()
    if organization.type == Organization.Type.JOINT_BRANCH:
        return rng.randint(8, 14)
    if roll < 0.04:
        return rng.randint(1, 2)  # below the minimum of 3 full members: a warning
    if roll < 0.07:
        return rng.randint(52, 60)  # above the normal maximum of 50: a warning
    return rng.randint(8, 32)


def _member(rng, ids, organization, today):
    person = _person(rng, ids)
    education = _weighted(rng, EDUCATION_MIX)
    adult = add_years(person["birth_date"], 18)
    earliest = max(adult, datetime.date(1980, 1, 1))
    probationary = rng.random() < 0.05
    if probationary:
        joined = today - datetime.timedelta(days=rng.randint(30, 330))
    else:
        span = (today - datetime.timedelta(days=400) - earliest).days
        joined = earliest + datetime.timedelta(days=rng.randint(0, max(span, 0)))
    retired = person["birth_date"].year < 1964 and rng.random() < 0.6
    if "学校" in organization.name or "医院" in organization.name or "学院" in organization.name:
        category = Member.Category.PROFESSIONAL
    elif organization.category == Organization.Category.STATE_OWNED:
        category = rng.choice([Member.Category.MANAGER, Member.Category.WORKER])
    else:
        category = Member.Category.CIVIL_SERVANT
    roll = rng.random()
    standing = Member.Standing.NORMAL
    if roll < 0.01:
        standing = Member.Standing.TRANSFERRED_OUT
    return Member(
        organization=organization,
        **person,
        native_place=rng.choice(NATIVE_PLACES),
        education=education,
        degree=DEGREE_FOR.get(education, Member.Degree.NONE),
        work_started_on=add_years(person["birth_date"], rng.randint(19, 25)),
        phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        category=Member.Category.RETIRED if retired else category,
        joined_on=joined,
        status=Member.Status.PROBATIONARY if probationary else Member.Status.FULL,
        confirmed_on=None if probationary else add_years(joined, 1),
        standing=standing,
        is_floating=rng.random() < 0.01,
        lost_contact_since=today - datetime.timedelta(days=rng.randint(190, 500))
        if rng.random() < 0.004
        else None,
    )


# Demo accounts that are party members themselves: username → (their branch, the post they hold
# there, gender, birth date). The name is the account's, so the secretary's home, her branch's
# roster and its committee name the same person. The party-committee admin is a member of his
# committee's 政治部 branch and holds no seat there: the demo's committees have no seats.
DEMO_PERSONS = {
    "shuji": (
        "盟公安局治安管理支队党支部",
        CommitteeSeat.Post.SECRETARY,
        Member.Gender.FEMALE,
        datetime.date(1983, 4, 17),
    ),
    "dangwei": ("盟公安局政治部党支部", None, Member.Gender.MALE, datetime.date(1976, 9, 8)),
}


def _demo_persons() -> dict[str, tuple[str, str, str | None, str, datetime.date]]:
    """Branch name → (username, name, post, gender, birth date) of the demo accounts."""
    from alxa_dangjian.accounts.demo import DEMO_USERS

    names = {username: name for username, name, _, _ in DEMO_USERS}
    return {
        branch: (username, names[username], post, gender, born)
        for username, (branch, post, gender, born) in DEMO_PERSONS.items()
    }


def _as_demo_person(member: Member, person, ids) -> Member:
    """The demo account's own member record, in place of one drawn for the branch: a full
    member of long standing, on the roster in good standing."""
    username, name, _, gender, born = person
    rng = _rng(username, "person")
    member.name, member.gender, member.birth_date = name, gender, born
    member.ethnicity = "蒙古族"
    member.id_number = ids.make(rng, born, gender)
    member.education, member.degree = Member.Education.BACHELOR, Member.Degree.BACHELOR
    member.category = Member.Category.CIVIL_SERVANT
    member.work_started_on = add_years(born, 22)
    member.joined_on = add_years(born, 24)
    member.status, member.confirmed_on = Member.Status.FULL, add_years(member.joined_on, 1)
    member.standing, member.is_floating, member.lost_contact_since = (
        Member.Standing.NORMAL,
        False,
        None,
    )
    return member
