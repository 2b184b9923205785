"""Concurrent load on gunicorn: the compliance heatmap and the secretary's home vs /healthz.

    python bench/compliance_load.py [--scale 10] [--database-url postgres://…/alxa_bench]
                                    [--workers 4] [--connections 8] [--duration 20] [--reuse]

Drops and re-creates the scratch PostgreSQL database the URL names (never point it at a real
one), migrates it, loads the demo league at the given scale (×10 ≈ 2,000 branches, 40,000
members, 260,000 activity records with 2.5 million attendance rows), starts gunicorn on
127.0.0.1 with production settings (DEBUG off, plain HTTP), logs in the demo staff user
(gongwei) and the demo secretary (shuji) by writing their sessions directly, and drives each
page with wrk (or, without wrk, a thread pool of http.client connections) for the same time
and concurrency. Prints requests/s, p50 and p95 latency per page, and each page's throughput as
a share of /healthz's in the same run. Budget (DESIGN.md): p95 under 150 ms at ×10.

--reuse keeps an already seeded database (same scale) and skips the drop/migrate/seed.
"""

import argparse
import http.client
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/alxa_bench"
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.1f %.1f %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def main():
    args = parse_arguments(__doc__, DEFAULT_URL, port=8765)
    environment = prepare_league(args)
    from django.urls import NoReverseMatch, reverse

    staff, secretary = session_cookie("gongwei"), session_cookie("shuji")
    try:
        heatmap = reverse("activities:compliance-heatmap")
    except NoReverseMatch:
        heatmap = None
    targets = [("/healthz", None, "/healthz")]
    if heatmap:
        targets.append((f"合规热力图 {heatmap}（工委工作人员）", staff, heatmap))
    else:
        print("activities:compliance-heatmap 尚不存在：改测首页与党组织树。")
        targets.append(("首页 /（工委工作人员）", staff, "/"))
        targets.append(("党组织树 /branches/（工委工作人员）", staff, "/branches/"))
    targets.append(("书记首页 /（支部书记）", secretary, "/"))
    services = reverse("activities:servicerecord-list")
    targets.append((f"服务台账 {services}（工委工作人员）", staff, services))

    def check_first(port):
        for _, cookie, path in targets:
            status = fetch_status(port, path, cookie)
            if status != 200:
                raise SystemExit(f"{path} answered {status} before the run; aborting.")

    results = measure(args, environment, targets, before=check_first)
    print_results(results, width=40)


def parse_arguments(doc: str, default_url: str, *, port: int) -> argparse.Namespace:
    """The command line every gunicorn load bench shares (scale, database, load shape)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--database-url", default=default_url)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--duration", type=int, default=20, help="seconds per page")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded before")
    parser.add_argument("--python-load", action="store_true", help="ignore wrk even if present")
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/12",
        help="the cache every gunicorn worker shares, as in production (emptied first)",
    )
    return parser.parse_args()


def prepare_league(args) -> dict:
    """Production-like environment, scratch database with the demo league; Django set up.

    Returns the environment gunicorn is started with. Unless --reuse, the database is dropped,
    re-created, migrated and seeded at --scale, then analysed.
    """
    environment = {
        "DATABASE_URL": args.database_url,
        "DEBUG": "false",
        # gunicorn refuses the published development key with DEBUG off (core.E001).
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CELERY_BROKER_URL": "",
        "CACHE_URL": args.cache_url,
        "LOG_LEVEL": "WARNING",
        # whitenoise warns that STATIC_ROOT is missing (nothing collected for a bench run)
        "PYTHONWARNINGS": "ignore::UserWarning",
        "DJANGO_SETTINGS_MODULE": "alxa_dangjian.settings",
    }
    os.environ.update(environment)
    if not args.reuse:
        recreate_database(args.database_url)

    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    cache.clear()  # every page's first request below computes what it caches

    if not args.reuse:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", scale=args.scale, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"seed_demo --scale {args.scale}: {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics after the bulk load, as autovacuum would
    print(describe_data())
    return environment


def measure(args, environment, targets, *, before=None) -> list[tuple]:
    """Start gunicorn, call before(port) once, then load each (label, cookie, path) in turn.

    Returns (label, requests/s, p50 ms, p95 ms, errors) per target, /healthz first.
    """
    server = start_gunicorn(args, environment)
    try:
        if before:
            before(args.port)
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
    return results


def print_results(results, *, width: int):
    """The table of measure()'s results against /healthz (the first) and the p95 verdict."""
    floor = results[0][1]
    heading = f"{'请求/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'吞吐/healthz':>14}{'错误':>6}"
    print(f"\n{'页面':<{width}}{heading}")
    for label, rps, p50, p95, errors in results:
        print(
            f"{label:<{width}}{rps:>10.1f}{p50:>10.1f}{p95:>10.1f}{rps / floor:>14.2f}{errors:>6}"
        )
    worst = max(p95 for _, _, _, p95, _ in results[1:])
    verdict = "达标" if worst < 150 else "未达标"
    print(f"\n页面最差 p95 = {worst:.1f} ms（预算 150 ms：{verdict}）")


def recreate_database(url: str):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in ("postgres", "template0", "template1"):
        raise SystemExit("请指定一个专用的临时数据库名，例如 …/alxa_bench。")
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def describe_data() -> str:
    from activities.models import Activity, Attendance, ServiceRecord
    from branches.models import Member, Organization

    message = "数据：党支部 {b} 个、党员 {m} 名、组织生活记录 {a} 条、出勤 {t} 条、服务台账 {s} 条"
    return message.format(
        b=Organization.objects.branches().count(),
        m=Member.objects.count(),
        a=Activity.objects.count(),
        t=Attendance.objects.count(),
        s=ServiceRecord.objects.count(),
    )


def session_cookie(username: str) -> str:
    """A logged-in session written straight to the session store (no login form, no lockout)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from alxa_dangjian.accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def start_gunicorn(args, environment, *options: str) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:--port with --workers (and any further gunicorn `options`),
    once it answers /healthz."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "alxa_dangjian.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--log-level",
        "warning",
        *options,
    ]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **environment})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if fetch_status(args.port, "/healthz", None) == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s.")


def fetch_status(port: int, path: str, cookie: str | None, timeout: float = 30) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def run_wrk(args, path, cookie):
    """(requests/s, p50 ms, p95 ms, errors) from wrk, after a short warm-up."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    url = f"http://127.0.0.1:{args.port}{path}"
    base = ["wrk", "-t", "1", "-c", str(args.connections), "-s", script.name, "--timeout", "10s"]
    if cookie:
        base += ["-H", f"Cookie: {cookie}"]
    try:
        subprocess.run([*base, "-d", "3s", url], capture_output=True, check=True)
        output = subprocess.run(
            [*base, "-d", f"{args.duration}s", url], capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    requests, duration_us, p50, p95, errors = line.split()[1:]
    seconds = int(duration_us) / 1e6
    return int(requests) / seconds, float(p50) / 1000, float(p95) / 1000, int(errors)


def timed_get(conn, port: int, path: str, headers: dict):
    """One GET on a keep-alive connection: the connection to use next (a new one after a
    failure), whether it answered 200, and the milliseconds it took."""
    started = time.perf_counter()
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        ok = response.status == 200
    except (OSError, http.client.HTTPException):
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ok = False
    return conn, ok, (time.perf_counter() - started) * 1000


def run_threads(args, path, cookie):
    """The same measurement without wrk: one thread per connection, keep-alive, http.client."""
    headers = {"Cookie": cookie} if cookie else {}
    samples, errors, lock = [], [0], threading.Lock()

    def worker(deadline, record):
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            conn, ok, ms = timed_get(conn, args.port, path, headers)
            mine.append(ms)
            failed += not ok
        conn.close()
        if record:
            with lock:
                samples.extend(mine)
                errors[0] += failed

    for duration, record in ((3, False), (args.duration, True)):
        deadline = time.perf_counter() + duration
        threads = [
            threading.Thread(target=worker, args=(deadline, record))
            for _ in range(args.connections)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    samples.sort()
    p95 = samples[max(int(len(samples) * 0.95) - 1, 0)]
    return len(samples) / args.duration, statistics.median(samples), p95, errors[0]


if __name__ == "__main__":
    main()
