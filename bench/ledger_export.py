"""Roster export through the ledger mechanism against raw openpyxl write-only, in-process.

    python bench/ledger_export.py [--sizes 10000 100000]

Builds a scratch SQLite database (or the one DATABASE_URL names — use a scratch one) with one
party committee per size holding that many members (bulk_create), then, in a fresh
subprocess per size, exports the committee's 党员花名册 with `services.write_ledger` (query,
row function, styled write-only workbook) and writes the very same row tuples, prepared in
memory beforehand, with bare openpyxl write-only `ws.append`. Prints both times (CPU seconds
of the measuring process, so that other load on the machine does not skew them), the ratio
raw / ours (1.0 = no overhead; target ≥ 0.70) and the peak resident memory of the export
(target: at 100,000 rows no more than 1.5× that at 10,000).
"""

import argparse
import datetime
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BRANCH_SIZE = 500


def setup_django(db_path: str):
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alxa_dangjian.settings")
    os.environ["CELERY_BROKER_URL"] = ""
    import django

    django.setup()


def build(db_path: str, sizes: list[int]) -> None:
    setup_django(db_path)
    from django.core.management import call_command

    from alxa_dangjian.accounts.models import User
    from alxa_dangjian.core.idnumber import make_id_number
    from branches.models import ETHNIC_GROUPS, Member, Organization

    call_command("migrate", verbosity=0)
    rng = random.Random(20240501)
    root = Organization.objects.create(name="基准机关工委", type=Organization.Type.WORK_COMMITTEE)
    User.objects.create(username="bench", name="基准测试", role=User.Role.STAFF, organization=root)
    surnames, given = (
        "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗",
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平",
    )
    serial = 0
    for size in sizes:
        committee = Organization.objects.create(
            name=f"基准党委{size}", type=Organization.Type.COMMITTEE, parent=root
        )
        for b in range((size + BRANCH_SIZE - 1) // BRANCH_SIZE):
            branch = Organization.objects.create(
                name=f"基准党委{size}第{b + 1}党支部",
                type=Organization.Type.BRANCH,
                parent=committee,
            )
            members = []
            for _ in range(min(BRANCH_SIZE, size - b * BRANCH_SIZE)):
                gender = rng.choice(Member.Gender.values)
                birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=serial % 15000)
                sequence = 2 * (serial // 15000) + 2
                serial += 1
                members.append(
                    Member(
                        organization=branch,
                        name=rng.choice(surnames) + "".join(rng.sample(given, 2)),
                        gender=gender,
                        ethnicity=rng.choice(ETHNIC_GROUPS[:5]),
                        birth_date=birth,
                        id_number=make_id_number(
                            region="152921", birth_date=birth, sequence=sequence, gender=gender
                        ),
                        native_place="内蒙古阿拉善左旗",
                        education=rng.choice(Member.Education.values),
                        degree=rng.choice(Member.Degree.values),
                        work_started_on=birth + datetime.timedelta(days=22 * 365),
                        phone=f"139{rng.randrange(10**8):08d}",
                        category=rng.choice(Member.Category.values),
                        party_post=rng.choice(["", "", "组织委员", "宣传委员"]),
                        joined_on=birth + datetime.timedelta(days=25 * 365),
                        status=Member.Status.FULL,
                        confirmed_on=birth + datetime.timedelta(days=26 * 365),
                        is_floating=rng.random() < 0.05,
                    )
                )
            Member.objects.bulk_create(members, batch_size=BRANCH_SIZE)


def measure(db_path: str, size: int) -> dict:
    """One size, in a fresh process: the export's peak memory is this process's alone."""
    setup_django(db_path)
    from openpyxl import Workbook

    from alxa_dangjian.accounts.models import User
    from alxa_dangjian.ledgers import services
    from alxa_dangjian.ledgers.registry import ExportContext, get_ledger
    from branches.models import Organization

    ledger = get_ledger("member-roster")
    user = User.objects.select_related("organization").get(username="bench")
    committee = Organization.objects.get(name=f"基准党委{size}")
    form = ledger.params_form(data={"organization": committee.pk}, user=user)
    assert form.is_valid(), form.errors

    with tempfile.TemporaryFile() as target:
        started = time.process_time()
        written = services.write_ledger(ledger, target, form=form)
        ours = time.process_time() - started
        size_bytes = target.tell()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert written == size, (written, size)

    # Again under tracemalloc (slower, so untimed): the Python heap's own high-water mark.
    tracemalloc.start()
    with tempfile.TemporaryFile() as target:
        services.write_ledger(ledger, target, form=form)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    # The same row tuples, prepared beforehand so that only openpyxl's writing is timed.
    context = ExportContext(
        user=user,
        options=form.cleaned_data,
        today=datetime.date.today(),
        full_personal_data=False,
    )
    rows = [ledger.row(item, context) for item in ledger.queryset(user, form.cleaned_data)]
    # Keep the garbage collector from walking the prepared rows: only openpyxl is timed.
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryFile() as target:
        started = time.process_time()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(ledger.title)
        sheet.append([c.header for c in ledger.columns])
        for row in rows:
            sheet.append(row)
        workbook.save(target)
        raw = time.process_time() - started
    return {
        "rows": written,
        "ours": ours,
        "raw": raw,
        "peak_kib": peak,
        "traced_peak_bytes": traced_peak,
        "file_bytes": size_bytes,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.db, args.child)))
        return

    db_path = os.path.join(tempfile.mkdtemp(prefix="alxa-bench-"), "ledger.sqlite3")
    started = time.perf_counter()
    build(db_path, args.sizes)
    print(f"built {sum(args.sizes):,} members in {time.perf_counter() - started:.1f} s")
    results = {}
    for size in args.sizes:
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--db", db_path],
            check=True,
            capture_output=True,
            text=True,
        )
        results[size] = json.loads(child.stdout.strip().splitlines()[-1])

    print(
        f"{'rows':>9}{'ours CPU s':>12}{'raw CPU s':>11}{'raw/ours':>10}{'ours rows/s':>13}"
        f"{'peak RSS MiB':>14}{'heap peak MiB':>15}{'file MiB':>10}"
    )
    for size, r in results.items():
        print(
            f"{size:>9,}{r['ours']:>12.2f}{r['raw']:>11.2f}{r['raw'] / r['ours']:>10.2f}"
            f"{r['rows'] / r['ours']:>13,.0f}{r['peak_kib'] / 1024:>14.1f}"
            f"{r['traced_peak_bytes'] / 2**20:>15.2f}{r['file_bytes'] / 2**20:>10.1f}"
        )
    if len(results) >= 2:
        small, large = results[min(results)], results[max(results)]
        print(
            f"peak memory {max(results):,} / {min(results):,} rows: "
            f"RSS {large['peak_kib'] / small['peak_kib']:.2f}×, "
            f"Python heap {large['traced_peak_bytes'] / small['traced_peak_bytes']:.2f}× "
            "(target ≤ 1.5×)"
        )


if __name__ == "__main__":
    main()
