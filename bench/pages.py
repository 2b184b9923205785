"""Page latency against the floor of a bare view (/healthz), in-process.

    python bench/pages.py [--scale N] [--requests N]

Seeds the demo league at the given scale into a throw-away SQLite database (or the
database DATABASE_URL names — use a scratch one), then times each page for each demo role
through Django's test client and prints p50/p95 and the ratio of p95 to /healthz's p95.
Single-threaded: a first look, not the concurrent load test of the performance budget.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="alxa-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alxa_dangjian.settings")
    os.environ["CELERY_BROKER_URL"] = ""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from alxa_dangjian.accounts.models import User

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", scale=args.scale, stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"seed_demo --scale {args.scale}: {time.perf_counter() - started:.1f} s")

    def measure(client, url):
        client.get(url)  # warm-up
        samples = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        samples.sort()
        return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]

    anonymous = Client()
    _, floor = measure(anonymous, "/healthz")
    print(f"{'page':<32}{'p50 ms':>10}{'p95 ms':>10}{'p95 / healthz':>16}")
    print(f"{'/healthz (floor)':<32}{'':>10}{floor:>10.2f}{1:>16.1f}")
    for username in ("admin", "gongwei", "dangwei", "shuji"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url in ("/", "/branches/"):
            p50, p95 = measure(client, url)
            print(f"{username + ' ' + url:<32}{p50:>10.2f}{p95:>10.2f}{p95 / floor:>16.1f}")


if __name__ == "__main__":
    main()
