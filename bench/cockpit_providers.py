"""Each cockpit provider cold, one at a time: wall and CPU time, queries, and every value.

    python bench/cockpit_providers.py --database-url postgres://…/alxa_perf_x10 [--scope root]
    python bench/cockpit_providers.py … --values-json before.json   # then --compare before.json

For a scope (`root`, the league; `committee`, the first active 党委 by path; or an
organisation's pk) the cache is emptied, then each figure provider runs for the period and
for the year before (as `compute` calls it) and each chart provider once; per provider:
wall ms, CPU ms of this process, queries, and the slowest statement (with --explain, its
EXPLAIN ANALYZE on PostgreSQL). Then the whole cockpit once more from an empty cache (what a
cold home costs). `--values-json` writes every figure and chart value; `--compare` checks
them against an earlier file (numbers must not change when a provider's shape does).
"""

import argparse
import dataclasses
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _plain(value):
    if dataclasses.is_dataclass(value):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, float):
        return round(value, 6)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--scope", default="root", help="root, committee or an organisation pk")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest")
    parser.add_argument("--values-json", help="write every value here")
    parser.add_argument("--compare", help="compare every value with this file")
    parser.add_argument("--today", help="ISO date (default: today), so two runs compare")
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("CELERY_BROKER_URL", "")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alxa_dangjian.settings")
    import django

    django.setup()
    import datetime

    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from alxa_dangjian.accounts import scoping
    from branches.models import Organization
    from portal.cockpit import CHARTS, FIGURES, Period, Scope, base

    if args.scope == "root":
        organization = Organization.objects.filter(scoping.root_q()).order_by("path").first()
    elif args.scope == "committee":
        organization = (
            Organization.objects.active()
            .filter(type__in=Organization.COMMITTEE_TYPES, depth__gt=0)
            .order_by("path")
            .first()
        )
    else:
        organization = Organization.objects.get(pk=int(args.scope))
    today = datetime.date.fromisoformat(args.today) if args.today else timezone.localdate()
    period = Period.of(today.year, today)
    scope = Scope.of(organization)
    print(f"scope {organization.pk} {organization.path} {scope.name} ({scope.type}), {today}")
    cache.clear()
    values = {}
    rows = []

    def run(name, call):
        with CaptureQueriesContext(connection) as captured:
            cpu, wall = time.process_time(), time.perf_counter()
            result = call()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
        rows.append((name, wall * 1000, cpu * 1000, len(captured), slowest))
        return result

    for provider in FIGURES:
        name = provider.__name__
        values[name] = _plain(run(name, lambda p=provider: p(scope, period)))
        values[name + ":previous"] = _plain(
            run(name + ":previous", lambda p=provider: p(scope, period.previous()))
        )
    for provider in CHARTS:
        name = provider.__name__
        values[name] = _plain(run(name, lambda p=provider: p(scope, period)))
    total_wall = sum(r[1] for r in rows)
    print(f"{'provider':32} {'wall ms':>9} {'CPU ms':>8} {'queries':>7}  slowest statement")
    for name, wall, cpu, queries, slowest in sorted(rows, key=lambda r: -r[1]):
        text = ""
        if slowest:
            text = f"{float(slowest['time']) * 1000:.0f} ms: {slowest['sql'][:110]}"
        print(f"{name:32} {wall:9.0f} {cpu:8.0f} {queries:7}  {text}")
    print(
        f"{'sum':32} {total_wall:9.0f} {sum(r[2] for r in rows):8.0f} {sum(r[3] for r in rows):7}"
    )
    if args.explain and connection.vendor == "postgresql":
        for name, _, _, _, slowest in sorted(rows, key=lambda r: -r[1])[:4]:
            if slowest is None:
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                print(f"\n--- {name}\n" + "\n".join(r[0] for r in cursor.fetchall()))
    cache.clear()
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        cpu, wall = time.process_time(), time.perf_counter()
        base.cached_cockpit(scope, period, FIGURES, CHARTS, organization_id=organization.pk)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"\nwhole cockpit cold: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU, "
        f"{len(captured)} queries"
    )
    if args.values_json:
        Path(args.values_json).write_text(json.dumps(values, ensure_ascii=False, indent=1))
    if args.compare:
        before = json.loads(Path(args.compare).read_text())
        now = json.loads(json.dumps(values, ensure_ascii=False))
        differ = [k for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k)]
        print("values: identical" if not differ else f"values DIFFER: {differ}")
        if differ:
            sys.exit(1)


if __name__ == "__main__":
    main()
