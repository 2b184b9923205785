"""Importing members from Excel: preview (read + check) and commit (check again + write).

    python bench/member_import.py [--members N] [--branches N]

Builds a league of branches in a throw-away SQLite database (or the database DATABASE_URL
names — use a scratch one), writes an .xlsx of N valid members (distinct ID numbers that
agree with birth date and gender) spread over the branches, then runs the import the way the
upload and confirm views do (services.preview_upload, services.commit_batch) and prints the
time of each step.  Target (issue 3): 10,000 members in under 20 s in total on SQLite.
"""

import argparse
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"  # noqa: E501
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然晨阳巴特尔其其格乌云娜仁图雅"
)
ETHNIC_MIX = ["汉族"] * 12 + ["蒙古族"] * 6 + ["回族"] * 2 + ["满族", "藏族"]
EDUCATION = ["研究生", "大学本科", "大学本科", "大学本科", "大学专科", "中专", "高中"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--branches", type=int, default=50)
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="alxa-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    os.environ.setdefault("MEDIA_ROOT", f"{scratch}/media")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alxa_dangjian.settings")
    os.environ["CELERY_BROKER_URL"] = ""
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from openpyxl import Workbook

    from alxa_dangjian.accounts.models import User
    from alxa_dangjian.core.idnumber import make_id_number
    from alxa_dangjian.ledgers.imports import services
    from alxa_dangjian.ledgers.imports.registry import get_importer
    from branches.models import Member, Organization

    settings.LEDGER_IMPORT_MAX_ROWS = max(settings.LEDGER_IMPORT_MAX_ROWS, args.members)
    settings.LEDGER_IMPORT_MAX_BYTES = max(settings.LEDGER_IMPORT_MAX_BYTES, 50 * 1024 * 1024)
    call_command("migrate", verbosity=0)
    Type = Organization.Type
    root = Organization.objects.create(name="基准测试机关工委", type=Type.WORK_COMMITTEE)
    committee = Organization.objects.create(name="基准测试党委", type=Type.COMMITTEE, parent=root)
    branches = [
        Organization.objects.create(name=f"基准测试第{n}党支部", type=Type.BRANCH, parent=committee)
        for n in range(1, args.branches + 1)
    ]
    staff = User.objects.create_user(
        "bench-staff", password="x", role=User.Role.STAFF, organization=root
    )

    importer = get_importer("members")
    rng = random.Random(20240131)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("党员信息")
    sheet.append(importer.headers)
    for n in range(args.members):
        gender = rng.choice(["male", "female"])
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(365 * 25))
        probationary = n % 20 == 0
        if probationary:
            joined = dt.date.today() - dt.timedelta(days=rng.randint(30, 300))
        else:
            joined = birth.replace(year=birth.year + rng.randint(20, 35), day=min(birth.day, 28))
        sheet.append(
            [
                rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
                "男" if gender == "male" else "女",
                rng.choice(ETHNIC_MIX),
                birth,
                make_id_number(
                    region=f"{152900 + n // 499:06d}",
                    birth_date=birth,
                    sequence=2 * (n % 499) + 2,
                    gender=gender,
                ),
                "内蒙古阿拉善左旗",
                rng.choice(EDUCATION),
                "",
                birth.replace(year=birth.year + 22, day=min(birth.day, 28)),
                f"138{rng.randrange(10**8):08d}",
                "党政机关工作人员",
                "",
                joined,
                None if probationary else joined.replace(year=joined.year + 1),
                "预备党员" if probationary else "正式党员",
                "正常",
                branches[n % len(branches)].name,
                "",
                "否",
                None,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    print(f"file: {args.members:,} members, {len(content) / 1024 / 1024:.1f} MB")

    started = time.perf_counter()
    batch = services.preview_upload(importer, SimpleUploadedFile("bench.xlsx", content), by=staff)
    previewed = time.perf_counter()
    assert batch.error_count == 0, batch.errors[:5]
    services.commit_batch(batch, by=staff)
    committed = time.perf_counter()
    assert Member.objects.count() == args.members

    preview_s, commit_s = previewed - started, committed - previewed
    total = committed - started
    print(f"{'step':<12}{'seconds':>10}{'rows/s':>10}")
    print(f"{'preview':<12}{preview_s:>10.2f}{args.members / preview_s:>10.0f}")
    print(f"{'commit':<12}{commit_s:>10.2f}{args.members / commit_s:>10.0f}")
    print(f"{'total':<12}{total:>10.2f}{args.members / total:>10.0f}")
    print(f"target: total < 20 s for 10,000 members -> {'met' if total < 20 else 'NOT met'}")


if __name__ == "__main__":
    main()
