"""The year-end assessment run vs one hand-written GROUP BY over the same activity rows.

    python bench/assessment_run.py [--scales 1 10] [--database-url postgres://…/alxa_bench_assess]
                                   [--reuse] [--repeat 3] [--workers 2]

For each scale, drops and re-creates a scratch PostgreSQL database named after the URL plus
`_x<scale>` (never point it at a real one), migrates it and loads the demo league with
`seed_demo --scale N` (×10 ≈ 2,000 branches). Each scale runs in its own process (the
settings read DATABASE_URL once). It then times, with Celery eager in-process:

- the run: `runs.start_run` over the whole league for the 党支部 target of the year with
  the most activity records, with the sample scheme (every registered auto indicator) — chunk
  tasks, finaliser, totals, grades, ranks and the diff, i.e. everything a worker would do;
- the floor: one hand-written `SELECT organization_id, kind_id, COUNT(*) … GROUP BY` over
  that year's activity rows, fetched to the client.

Prints both (best of --repeat), their ratio (target: within 5×) and, across scales, how the
run time grows with the number of organisations (target: linear).

--reuse keeps databases seeded before (same names) and skips drop/migrate/seed.
--workers N also times the same run on a real Celery worker (prefork, N processes) through
Redis (`--broker-url`, default db 13, purged first), from start_run until the run is done —
the chunks then run in parallel, as in production.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from compliance_load import recreate_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/alxa_bench_assess"
# The indicators computed from the same activity rows as the GROUP BY floor.
ACTIVITY_INDICATORS = ("three-meetings-one-lesson", "theme-day-months")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--reuse", action="store_true", help="keep databases seeded before")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="also time the run on a real Celery worker with this many processes (Redis)",
    )
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-workers", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_on_workers(args) if args.child_workers else measure(args)))
        return
    figures = []
    for scale in args.scales:
        base = [sys.executable, __file__, "--child", str(scale), "--repeat", str(args.repeat)]
        base += ["--database-url", args.database_url]
        command = base + (["--reuse"] if args.reuse else [])
        output = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if output.returncode:
            sys.stderr.write(output.stderr[-3000:])
            raise SystemExit(f"×{scale} 测量失败（见上）")
        figures.append(json.loads(output.stdout.strip().splitlines()[-1]))
        if args.workers:
            command = base + ["--reuse", "--child-workers", str(args.workers)]
            command += ["--broker-url", args.broker_url]
            output = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            if output.returncode:
                sys.stderr.write(output.stderr[-3000:])
                raise SystemExit(f"×{scale} worker 测量失败（见上）")
            figures[-1]["workers"] = json.loads(output.stdout.strip().splitlines()[-1])
        report(figures[-1])
    if len(figures) > 1:
        first, last = figures[0], figures[-1]
        growth = last["run_s"] / first["run_s"]
        orgs = last["organizations"] / first["organizations"]
        print(
            f"\n线性：党组织 ×{orgs:.1f}，计算时间 ×{growth:.1f}"
            f"（每个党组织 {first['run_s'] / first['organizations'] * 1000:.2f} ms → "
            f"{last['run_s'] / last['organizations'] * 1000:.2f} ms）"
        )


def report(f: dict) -> None:
    verdict = "达标" if f["ratio"] <= 5 else "未达标"
    print(
        f"×{f['scale']}：{f['year']}年 党支部 {f['organizations']} 个，"
        f"组织生活记录 {f['activities']} 条（全部 {f['activities_all']} 条），"
        f"{f['chunks']} 块 × {f['chunk_size']}\n"
        f"  考核计算 {f['run_s']:.3f} s（各次 {', '.join(f'{t:.3f}' for t in f['runs'])}）"
        f"，其中汇总 {f['finalise_s']:.3f} s\n"
        f"  GROUP BY 基线 {f['floor_s']:.3f} s（{f['floor_rows']} 组）\n"
        f"  比值 {f['ratio']:.2f}×（目标 5× 以内：{verdict}）"
        + (f"\n  造数 seed_demo：{f['seed_s']:.0f} s" if f.get("seed_s") else "")
    )
    if f.get("workers"):
        w = f["workers"]
        print(
            f"  真实 worker（{w['processes']} 个进程，Redis）：考核计算 {w['run_s']:.3f} s"
            f"（各次 {', '.join(f'{t:.3f}' for t in w['runs'])}），"
            f"为基线的 {w['run_s'] / f['floor_s']:.2f}×"
        )
    activity = sum(f["breakdown"].get(code, 0) for code in ACTIVITY_INDICATORS)
    print(
        f"  其中基于组织生活记录的指标（{'、'.join(ACTIVITY_INDICATORS)}，共用一次分组查询）"
        f"一次算全部党组织 {activity:.3f} s，为基线的 {activity / f['floor_s']:.1f}×"
    )
    floors = dict(f.get("other_floors", {}), **dict.fromkeys(ACTIVITY_INDICATORS))
    for code, seconds in sorted(f["breakdown"].items(), key=lambda item: -item[1]):
        own = f.get("other_floors", {}).get(code)
        print(
            f"    {code:<32}{seconds:>8.3f} s"
            + (f"  （自身基线 {own:.3f} s，{seconds / own:.1f}×）" if own else "")
        )
    print(f"  各指标合计 {sum(f['breakdown'].values()):.3f} s")
    floor_sum = f["floor_s"] + sum(v for v in floors.values() if v)
    print(
        f"  所读数据的基线合计（组织生活 + 党费月份 + 参训记录，各一次 GROUP BY）"
        f"{floor_sum:.3f} s；考核计算为其 {f['run_s'] / floor_sum:.1f}×"
    )


def measure(args) -> dict:
    scale = args.child
    url = f"{args.database_url}_x{scale}"
    os.environ.update(
        {
            "DATABASE_URL": url,
            "CELERY_BROKER_URL": "",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "alxa_dangjian.settings",
            "PYTHONWARNINGS": "ignore::UserWarning",
        }
    )
    if not args.reuse:
        recreate_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from activities.models import Activity
    from alxa_dangjian.accounts import scoping
    from alxa_dangjian.accounts.models import User
    from assessments.demo.scoring import seed_scheme
    from assessments.models import AssessmentRun, Target
    from assessments.services import results, runs
    from branches.models import Organization

    seed_s = None
    if not args.reuse:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", scale=scale, stdout=open(os.devnull, "w"))  # noqa: SIM115
        seed_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # fresh statistics and visibility map
    year = (
        Activity.objects.annotate(y=ExtractYear("held_on"))
        .values("y")
        .annotate(n=Count("pk"))
        .order_by("-n", "-y")
        .values_list("y", flat=True)
        .first()
    )
    seed_scheme(year, Target.BRANCH)
    staff = User.objects.get(username="gongwei")
    root = Organization.objects.get(scoping.root_q())
    AssessmentRun.objects.filter(year=year, scope=root).exclude(status="done").update(
        status="failed"
    )

    timings, finalise_times, run = [], [], None
    real_finalise = results.finalise

    def timed_finalise(run_id):
        started = time.perf_counter()
        try:
            return real_finalise(run_id)
        finally:
            finalise_times.append(time.perf_counter() - started)

    results.finalise = timed_finalise
    for _ in range(args.repeat):
        started = time.perf_counter()
        run = runs.start_run(year=year, scope=root, target=Target.BRANCH, by=staff)
        timings.append(time.perf_counter() - started)
        run.refresh_from_db()
        if run.status != AssessmentRun.Status.DONE:
            raise SystemExit(f"run #{run.pk} ended {run.status}: {run.error}")

    floor_sql = (
        "SELECT organization_id, kind_id, COUNT(*) FROM activities_activity "
        "WHERE held_on BETWEEN %s AND %s GROUP BY organization_id, kind_id"
    )
    floors, floor_rows = [], 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(floor_sql, [f"{year}-01-01", f"{year}-12-31"])
            floor_rows = len(cursor.fetchall())
        floors.append(time.perf_counter() - started)
    run_s, floor_s = min(timings), min(floors)
    # Each other indicator's own floor: one GROUP BY over the rows it reads (dues month rows
    # of the year, the year's enrolment rows), per member's organisation.
    other_floors_sql = {
        "dues-on-time": (
            "SELECT m.organization_id, COUNT(*) FROM dues_duesmonth d "
            "JOIN branches_member m ON m.id = d.member_id "
            "WHERE d.month BETWEEN %s AND %s GROUP BY m.organization_id"
        ),
        "training-hours-met": (
            "SELECT m.organization_id, SUM(e.hours_earned) FROM training_enrollment e "
            "JOIN training_trainingclass c ON c.id = e.training_class_id "
            "JOIN branches_member m ON m.id = e.member_id "
            "WHERE e.signed_in AND c.starts_on BETWEEN %s AND %s GROUP BY m.organization_id"
        ),
    }
    other_floors = {}
    for code, sql in other_floors_sql.items():
        best = None
        for _ in range(args.repeat):
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, [f"{year}-01-01", f"{year}-12-31"])
                cursor.fetchall()
            elapsed = time.perf_counter() - started
            best = elapsed if best is None else min(best, elapsed)
        other_floors[code] = best
    # Where the time goes: each registered indicator once over all the run's organisations.
    from assessments import indicators as registry

    organizations = list(
        Organization.objects.filter(pk__in=results.run_organization_ids(run)).order_by("pk")
    )
    breakdown = {}
    with registry.sharing():  # as in a chunk: rows both activity indicators read, read once
        for indicator in registry.all_indicators():
            started = time.perf_counter()
            indicator.compute(year, organizations)
            breakdown[indicator.code] = time.perf_counter() - started
    return {
        "breakdown": breakdown,
        "scale": scale,
        "year": year,
        "organizations": run.organization_count,
        "chunks": run.chunk_count,
        "chunk_size": settings.ASSESSMENT_RUN_CHUNK_SIZE,
        "activities": Activity.objects.filter(held_on__year=year).count(),
        "activities_all": Activity.objects.count(),
        "runs": timings,
        "run_s": run_s,
        "finalise_s": min(finalise_times) if finalise_times else 0,
        "floor_s": floor_s,
        "floor_rows": floor_rows,
        "other_floors": other_floors,
        "ratio": run_s / floor_s,
        "seed_s": seed_s,
    }


def measure_on_workers(args) -> dict:
    """The same run as `measure`, computed by a real worker (prefork, `--child-workers`
    processes) on Redis: from start_run until the run row says done, as staff would wait."""
    url = f"{args.database_url}_x{args.child}"
    env = dict(
        os.environ,
        DATABASE_URL=url,
        CELERY_BROKER_URL=args.broker_url,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="alxa_dangjian.settings",
        PYTHONWARNINGS="ignore::UserWarning",
    )
    os.environ.update(env)
    import django

    django.setup()
    from alxa_dangjian.accounts import scoping
    from alxa_dangjian.accounts.models import User
    from alxa_dangjian.celery import app
    from assessments.models import AssessmentRun, Target
    from assessments.services import runs
    from branches.models import Organization

    app.control.purge()
    name = f"bench-{os.getpid()}@localhost"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "alxa_dangjian", "worker", "-n", name]
        + ["--pool=prefork", f"--concurrency={args.child_workers}", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[name], timeout=0.5):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit("worker 未能启动")
        year = AssessmentRun.objects.order_by("-pk").values_list("year", flat=True).first()
        staff = User.objects.get(username="gongwei")
        root = Organization.objects.get(scoping.root_q())
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            run = runs.start_run(year=year, scope=root, target=Target.BRANCH, by=staff)
            while True:
                status = AssessmentRun.objects.values_list("status", flat=True).get(pk=run.pk)
                if status == AssessmentRun.Status.DONE:
                    break
                if status == AssessmentRun.Status.FAILED or time.perf_counter() - started > 300:
                    raise SystemExit(f"run #{run.pk} ended {status}")
                time.sleep(0.005)
            timings.append(time.perf_counter() - started)
    finally:
        worker.terminate()
        worker.wait(30)
    return {"processes": args.child_workers, "runs": timings, "run_s": min(timings)}


if __name__ == "__main__":
    main()
