"""Mixed daily-page load of all four roles on gunicorn + PostgreSQL (issue 17, item 4).

    python bench/load.py --scale 1 --database-url postgres://…/alxa_pages_x1          # seeds it
    python bench/load.py --database-url postgres://…/alxa_pages_x10 --reuse         # as it is
    [--connections 32] [--duration 60] [--workers 4] [--port 8917] [--cache-url redis://…/14]
    [--statement-timeout 60] [--first-timeout 150]

Uses compliance_load.py's machinery: without --reuse it drops, re-creates, migrates and seeds
the scratch database the URL names (never point it at a real one); starts gunicorn on
127.0.0.1 only (production settings: DEBUG off, plain HTTP, the shared cache every worker
uses, emptied first); writes one session per demo role straight into the session store
(`admin`, `gongwei`, `dangwei`, `shuji`). The mix is each role's daily pages — home, the
organisation list, the member list, the organisational-life list, the compliance heatmap, the
service ledger, training progress — every one requested once first (a page that does not
answer 200 within --first-timeout seconds is dropped and named; every worker's queries are
bounded by --statement-timeout seconds through PGOPTIONS). Then --connections keep-alive
connections (one thread each, http.client) each walk the whole mix in their own shuffled
order, again and again, for --duration seconds (after a 5 s warm-up): bounded in time and
connections, loopback only.

Prints overall requests/s, p50, p95 and errors (non-200 answers, timeouts, resets), then per
page: requests, p50, p95, max, errors as the client saw them, and from gunicorn's access log
the page's service time (a worker's time on it, queueing left out) and its share of all the
workers' time — the page that limits the mix is the one with the largest share. /healthz
is measured alone first under the same connections, for the ratio.
Budget (issue 17): at ×1, p95 ≤ 300 ms and 0 errors.
"""

import http.client
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compliance_load import (  # noqa: E402
    fetch_status,
    parse_arguments,
    prepare_league,
    session_cookie,
    start_gunicorn,
    timed_get,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/alxa_pages_x1"
ROLE_LABELS = {
    "admin": "系统管理员",
    "gongwei": "工委工作人员",
    "dangwei": "党委管理员",
    "shuji": "支部书记",
}
DAILY = [  # (route name, roles that use it daily)
    ("portal:home", ("admin", "gongwei", "dangwei", "shuji")),
    ("branches:organization-list", ("admin", "gongwei", "dangwei", "shuji")),
    ("branches:member-list", ("gongwei", "dangwei", "shuji")),
    ("activities:activity-list", ("gongwei", "dangwei", "shuji")),
    ("activities:compliance-heatmap", ("gongwei", "dangwei")),
    ("activities:servicerecord-list", ("gongwei", "dangwei", "shuji")),
    ("training:progress-overview", ("gongwei", "dangwei", "shuji")),
]


def main():
    given = {token.split("=")[0] for token in sys.argv[1:]}
    statement_timeout = option("--statement-timeout", 60)  # s, every worker's queries
    first_timeout = option("--first-timeout", 150)  # s, each page's first request
    args = parse_arguments(__doc__, DEFAULT_URL, port=8917)
    args.statement_timeout, args.first_timeout = statement_timeout, first_timeout
    # This bench's own defaults where the shared command line has others.
    if "--connections" not in given:
        args.connections = 32
    if "--duration" not in given:
        args.duration = 60
    if "--cache-url" not in given:
        args.cache_url = "redis://127.0.0.1:6379/14"
    if args.statement_timeout:
        # libpq reads PGOPTIONS: every gunicorn worker's connection gets the bound
        os.environ["PGOPTIONS"] = f"-c statement_timeout={args.statement_timeout * 1000}"
    environment = prepare_league(args)
    from django.urls import reverse

    cookies = {name: session_cookie(name) for name in ROLE_LABELS}
    mix = [
        (f"{ROLE_LABELS[role]} {reverse(route)}", cookies[role], reverse(route))
        for route, roles in DAILY
        for role in roles
    ]
    handle, access_log = tempfile.mkstemp(prefix="alxa-load-", suffix=".log")
    os.close(handle)
    # gunicorn's %(D)s runs from the moment a worker takes the request, so it leaves out the
    # time spent queued for a free worker: the page's service time under load.
    server = start_gunicorn(
        args,
        environment,
        # a cold page's first request may take minutes at ×10 (computed once, then cached)
        "--timeout",
        "900",
        "--access-logfile",
        access_log,
        "--access-logformat",
        "%(U)s\t%(D)s\t%({cookie}i)s",
    )
    try:
        kept = []
        for label, cookie, path in mix:
            started = time.perf_counter()
            try:
                status = fetch_status(args.port, path, cookie, timeout=args.first_timeout)
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
            first = (time.perf_counter() - started) * 1000
            if status == 200:
                kept.append((label, cookie, path))
                print(f"first {label:<40} {first:8.0f} ms")
            else:
                print(f"dropped {label}: HTTP {status} after {first:.0f} ms")
        print(
            f"\nPython thread pool: {args.connections} keep-alive connections, {args.duration} s, "
            f"gunicorn {args.workers} workers, 127.0.0.1:{args.port}"
        )
        floor = run(args, [("/healthz", None, "/healthz")], duration=min(args.duration, 15))
        mark = Path(access_log).stat().st_size
        results = run(args, kept, duration=args.duration)
    finally:
        server.terminate()
        server.wait(timeout=30)
    service = service_times(access_log, mark, kept)
    os.unlink(access_log)
    report(floor, results, service, args)


def service_times(log_path, offset, mix):
    """{label: [ms...]} of the measured run, read from gunicorn's access log (path + cookie)."""
    labels = {(path, cookie or "-"): label for label, cookie, path in mix}
    found = {label: [] for label, _, _ in mix}
    with open(log_path, encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        for line in log:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and (parts[0], parts[2]) in labels:
                found[labels[(parts[0], parts[2])]].append(int(parts[1]) / 1000)
    return found


def option(name, default):
    """An integer option of this bench only (compliance_load's parser refuses unknown ones)."""
    if name in sys.argv:
        index = sys.argv.index(name)
        value = int(sys.argv[index + 1])
        del sys.argv[index : index + 2]
        return value
    return default


def run(args, mix, *, duration, warmup=5):
    """{label: ([ms...], errors)} and the measured seconds, over the mix for `duration` s."""
    samples = {label: [] for label, _, _ in mix}
    errors = {label: 0 for label, _, _ in mix}
    lock = threading.Lock()

    def worker(seed, until, record):
        order = list(mix)
        random.Random(seed).shuffle(order)
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        mine, failed = [], []
        index = seed
        while time.perf_counter() < until:
            label, cookie, path = order[index % len(order)]
            index += 1
            headers = {"Cookie": cookie} if cookie else {}
            conn, ok, ms = timed_get(conn, args.port, path, headers)
            mine.append((label, ms))
            if not ok:
                failed.append(label)
        conn.close()
        if record:
            with lock:
                for label, ms in mine:
                    samples[label].append(ms)
                for label in failed:
                    errors[label] += 1

    measured = 0.0
    for seconds, record in ((warmup, False), (duration, True)):
        started = time.perf_counter()
        until = started + seconds
        threads = [
            threading.Thread(target=worker, args=(i, until, record))
            for i in range(args.connections)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if record:
            measured = time.perf_counter() - started
    return samples, errors, measured


def pct(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def report(floor, results, service, args):
    (floor_samples, floor_errors, floor_seconds) = floor
    healthz = floor_samples["/healthz"]
    samples, errors, seconds = results
    every = [ms for values in samples.values() for ms in values]
    total_errors = sum(errors.values())
    floor_rps = len(healthz) / floor_seconds
    rps = len(every) / seconds
    lines = [
        f"/healthz alone: {floor_rps:.0f} req/s, p50 {statistics.median(healthz):.1f} ms, "
        f"p95 {pct(healthz, 0.95):.1f} ms, errors {sum(floor_errors.values())}",
        f"mix ({len(samples)} pages): {len(every)} requests in {seconds:.0f} s = {rps:.1f} req/s "
        f"({rps / floor_rps:.3f} of /healthz), p50 {statistics.median(every):.0f} ms, "
        f"p95 {pct(every, 0.95):.0f} ms, max {max(every):.0f} ms, errors {total_errors} "
        f"(budget at ×1: p95 ≤ 300 ms, 0 errors: "
        f"{'met' if pct(every, 0.95) <= 300 and not total_errors else 'NOT met'})",
        "",
        "| page (role path) | req | p50 ms | p95 ms | max ms | errors "
        "| service p50 ms | service p95 ms | share of server time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    # The worker time each page takes (gunicorn's own timing, queueing left out): the page
    # with the largest share is the one that limits the mix.
    busy = {label: sum(service.get(label) or [0]) for label in samples}
    all_busy = sum(busy.values()) or 1
    for label in sorted(samples, key=lambda key: -busy[key]):
        values = samples[label]
        if not values:
            lines.append(f"| {label} | 0 | — | — | — | {errors[label]} | — | — | 0 |")
            continue
        own = service.get(label) or [0]
        lines.append(
            f"| {label} | {len(values)} | {statistics.median(values):.0f} "
            f"| {pct(values, 0.95):.0f} | {max(values):.0f} | {errors[label]} "
            f"| {statistics.median(own):.0f} | {pct(own, 0.95):.0f} "
            f"| {busy[label] / all_busy:.0%} |"
        )
    limiting = max(busy, key=busy.get)
    lines.append("")
    lines.append(f"limiting page: {limiting} ({busy[limiting] / all_busy:.0%} of worker time)")
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
