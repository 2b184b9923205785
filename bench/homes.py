"""Concurrent load on gunicorn: each home (the cockpit) and the organisation profile vs /healthz.

    python bench/homes.py [--scale 10] [--database-url postgres://…/alxa_bench_homes]
                          [--workers 4] [--connections 8] [--duration 20] [--reuse]

The machinery is bench/compliance_load.py's (scratch database, demo league at the given scale,
sessions written straight to the store, gunicorn with production settings, wrk or a thread
pool). Pages: /healthz (floor), the staff home (gongwei, the whole league), the
party-committee admin's home (dangwei), the secretary's home (shuji), and the profile of
dangwei's committee and of shuji's branch. Each page is fetched once before the run, so the
figures measured are the cached cockpit's (the first request after a change computes it;
that cold time is printed too). Budget (DESIGN.md): p95 under 150 ms at ×10.
"""

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from compliance_load import (  # noqa: E402
    describe_data,
    fetch_status,
    recreate_database,
    run_threads,
    run_wrk,
    session_cookie,
    start_gunicorn,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/alxa_bench_homes"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--duration", type=int, default=20, help="seconds per page")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded before")
    parser.add_argument("--python-load", action="store_true", help="ignore wrk even if present")
    args = parser.parse_args()

    environment = {
        "DATABASE_URL": args.database_url,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore::UserWarning",
        "DJANGO_SETTINGS_MODULE": "alxa_dangjian.settings",
    }
    os.environ.update(environment)
    if not args.reuse:
        recreate_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from alxa_dangjian.accounts.models import User

    if not args.reuse:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", scale=args.scale, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"seed_demo --scale {args.scale}: {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(describe_data())

    cookies = {name: session_cookie(name) for name in ("gongwei", "dangwei", "shuji")}
    committee = User.objects.get(username="dangwei").organization
    branch = User.objects.get(username="shuji").organization
    targets = [
        ("/healthz", None, "/healthz"),
        ("工委首页 /（gongwei）", cookies["gongwei"], "/"),
        ("党委首页 /（dangwei）", cookies["dangwei"], "/"),
        ("书记首页 /（shuji）", cookies["shuji"], "/"),
        (
            "党委组织概况（dangwei）",
            cookies["dangwei"],
            reverse("branches:organization-profile", args=[committee.pk]),
        ),
        (
            "支部组织概况（shuji）",
            cookies["shuji"],
            reverse("branches:organization-profile", args=[branch.pk]),
        ),
    ]

    server = start_gunicorn(args, environment)
    try:
        print("\n首次请求（缓存为空时计算驾驶舱）：")
        for label, cookie, path in targets[1:]:
            started = time.perf_counter()
            status = fetch_status(args.port, path, cookie)
            print(f"  {label:<32}{(time.perf_counter() - started) * 1000:>8.0f} ms  ({status})")
            if status != 200:
                raise SystemExit(f"{path} answered {status}; aborting.")
        use_wrk = shutil.which("wrk") and not args.python_load
        print(
            f"\n{'wrk' if use_wrk else 'Python 线程池'}：{args.connections} 个并发连接，"
            f"每页 {args.duration} s；gunicorn {args.workers} 个 worker；CPU {os.cpu_count()} 核"
        )
        results = []
        for label, cookie, path in targets:
            run = run_wrk if use_wrk else run_threads
            results.append((label, *run(args, path, cookie)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor = results[0][1]
    print(
        f"\n{'页面':<34}{'请求/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'吞吐/healthz':>14}{'错误':>6}"
    )
    for label, rps, p50, p95, errors in results:
        print(f"{label:<34}{rps:>10.1f}{p50:>10.1f}{p95:>10.1f}{rps / floor:>14.2f}{errors:>6}")
    worst = max(p95 for _, _, _, p95, _ in results[1:])
    verdict = "达标" if worst < 150 else "未达标"
    print(f"\n页面最差 p95 = {worst:.1f} ms（预算 150 ms：{verdict}）")


if __name__ == "__main__":
    main()
