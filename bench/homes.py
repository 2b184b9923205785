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

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from compliance_load import (  # noqa: E402
    fetch_status,
    measure,
    parse_arguments,
    prepare_league,
    print_results,
    session_cookie,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/alxa_bench_homes"


def main():
    args = parse_arguments(__doc__, DEFAULT_URL, port=8766)
    environment = prepare_league(args)
    from django.urls import reverse

    from alxa_dangjian.accounts.models import User

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
            reverse("portal:organization-profile", args=[committee.pk]),
        ),
        (
            "支部组织概况（shuji）",
            cookies["shuji"],
            reverse("portal:organization-profile", args=[branch.pk]),
        ),
    ]

    def time_first(port):
        print("\n首次请求（缓存为空时计算驾驶舱）：")
        for label, cookie, path in targets[1:]:
            started = time.perf_counter()
            status = fetch_status(port, path, cookie)
            print(f"  {label:<32}{(time.perf_counter() - started) * 1000:>8.0f} ms  ({status})")
            if status != 200:
                raise SystemExit(f"{path} answered {status}; aborting.")

    results = measure(args, environment, targets, before=time_first)
    print_results(results, width=34)


if __name__ == "__main__":
    main()
