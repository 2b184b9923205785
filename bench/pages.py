"""Every page, every role: a crawl of the portal as each demo role, per URL pattern vs /healthz.

    python bench/pages.py [--scale N]                              # fresh SQLite, seeded here
    python bench/pages.py --database-url postgres://…/alxa_pages_x10 [--cold] [--markdown F]

Logs in (in-process, Django's test client, one request at a time) as each demo role — system
admin `admin`, work-committee staff `gongwei`, party-committee admin `dangwei`, branch secretary
`shuji` — and as a same-role user of another subtree (a committee admin of another committee, a
secretary of another branch; created once as `bench_dangwei2` / `bench_shuji2` if missing). For
each it visits home, then every page reachable by links (breadth first, same host, GET only),
at most --per-pattern URLs per resolved URL pattern and user, and every GET form's filter options
(each <select>/radio option, and a search word for text boxes) up to --filters variants per
pattern and user. Skipped: logout, mark-as-read links, exports and downloads (and any response
that is not HTML), the Django admin site, static and media files.

Each URL is requested once ("first": with --cold the cache is emptied just before it, so it is
what a page costs after any change with no worker warming it), then --repeat times ("warm").
Prints per URL pattern (resolver route name): requests, warm p50, p95, max, the first request's
worst time, the largest query count, and single-request throughput relative to /healthz
(healthz p50 / page p50: medians, as the machine may be shared), and the page's median CPU time
in this process (Python + SQLite; PostgreSQL's own work is not in it).
Budget (issue 17): warm p95 ≤ 150 ms, no request over 1 s.
--markdown FILE writes the same tables for bench/README.md.

Without --database-url the league is seeded at --scale into a throw-away SQLite database;
with it an already seeded database is used as it is (no migrate, no seed).
"""

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict, deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WARM_BUDGET_MS = 150
ANY_BUDGET_MS = 1000
SKIP = re.compile(
    r"(/logout|/read/|/read-all/|/download|/ledgers/export/[^/?]+/|/django-admin/|^/static/|"
    r"^/media/|\.(xlsx|xls|csv|pdf|zip|docx?|png|jpe?g)$)",
    re.IGNORECASE,
)
SEARCH_WORD = "党"


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="seed scale (fresh SQLite only)")
    parser.add_argument("--database-url", help="an already seeded database to use as it is")
    parser.add_argument("--cold", action="store_true", help="empty the cache before each URL")
    parser.add_argument("--repeat", type=int, default=3, help="warm requests per URL")
    parser.add_argument("--per-pattern", type=int, default=3, help="link URLs per pattern/user")
    parser.add_argument("--filters", type=int, default=6, help="filter variants per pattern/user")
    parser.add_argument("--max-urls", type=int, default=400, help="URLs per user at most")
    parser.add_argument("--users", help="comma-separated usernames (default: all six)")
    parser.add_argument(
        "--user-seconds",
        type=int,
        default=0,
        help="stop each user's crawl after this many seconds (0: no limit); breadth first, so "
        "the pages nearest home are measured first",
    )
    parser.add_argument("--statement-timeout", type=int, default=60, help="seconds (PostgreSQL)")
    parser.add_argument("--markdown", help="write the tables as Markdown to this file")
    parser.add_argument("--seed", type=int, default=17, help="random seed for link sampling")
    parser.add_argument("--rows-json", help="also write every measured URL to this JSON file")
    parser.add_argument(
        "--merge", nargs="+", help="no crawl: print the tables of these --rows-json files together"
    )
    return parser.parse_args()


class PageParser(HTMLParser):
    """Links (a[href]) and GET forms with their filter controls."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href") and not a.get("download"):
            self.links.append(a["href"])
        elif tag == "form":
            method = (a.get("method") or "get").lower()
            self._form = {"get": method == "get", "action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "select" and a.get("name"):
            self._select = self._form["fields"].setdefault(a["name"], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            if value:
                self._select.append(value)
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox") and a.get("value"):
                self._form["fields"].setdefault(a["name"], []).append(a["value"])
            elif kind in ("text", "search") and a["name"] != "csrfmiddlewaretoken":
                self._form["fields"].setdefault(a["name"], []).append(SEARCH_WORD)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def filter_variants(page_url: str, form: dict) -> list[str]:
    """One URL per filter option of a GET form (one control set at a time), round-robin."""
    action = urljoin(page_url, form["action"]) if form["action"] else page_url.split("?")[0]
    base = dict(parse_qsl(urlsplit(action).query))
    path = urlsplit(action).path
    per_field = [[(name, v) for v in values] for name, values in form["fields"].items()]
    variants = []
    while any(per_field):
        for options in per_field:
            if options:
                name, value = options.pop(0)
                variants.append(f"{path}?{urlencode({**base, name: value})}")
    return variants


def normalise(href: str, page_url: str) -> str | None:
    """A same-host path?query for a link, or None for anything to skip."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin("http://testserver" + page_url, href))
    if parts.netloc != "testserver" or parts.scheme not in ("http", "https"):
        return None
    url = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if SKIP.search(url) else url


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def setup(args):
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        scratch = tempfile.mkdtemp(prefix="alxa-pages-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alxa_dangjian.settings")
    os.environ["CELERY_BROKER_URL"] = ""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.backends.signals import connection_created

    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False

    def statement_timeout(sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {args.statement_timeout * 1000}")

    connection_created.connect(statement_timeout, weak=False)
    if not args.database_url:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", scale=args.scale, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"seed_demo --scale {args.scale}: {time.perf_counter() - started:.1f} s")
    return connection.vendor


def bench_users(wanted: str | None):
    """The four demo users and a same-role user of another subtree for the two scoped roles."""
    from alxa_dangjian.accounts import scoping
    from alxa_dangjian.accounts.models import User
    from branches.models import Organization

    users = [(name, User.objects.get(username=name)) for name in ("admin", "gongwei")]
    for name, twin in (("dangwei", "bench_dangwei2"), ("shuji", "bench_shuji2")):
        user = User.objects.get(username=name)
        users.append((name, user))
        other = User.objects.filter(username=twin).first()
        if other is None:
            home = user.organization
            organization = (
                Organization.objects.filter(type=home.type, is_active=True)
                .exclude(scoping.subtree_q(home, ""))
                .exclude(pk__in=[o.pk for o in ancestors(home)])
                .order_by("pk")
                .first()
            )
            other = User.objects.create(
                username=twin,
                name=f"基准{user.name}",
                role=user.role,
                organization=organization,
            )
        users.append((twin, other))
    if wanted:
        keep = set(wanted.split(","))
        users = [(name, user) for name, user in users if name in keep]
    return users


def ancestors(organization):
    found, node = [], organization.parent
    while node is not None:
        found.append(node)
        node = node.parent
    return found


class Crawl:
    def __init__(self, args):
        from django.core.cache import cache
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import Resolver404, resolve

        self.args, self.cache, self.connection = args, cache, connection
        self.Client, self.Capture = Client, CaptureQueriesContext
        self.resolve, self.Resolver404 = resolve, Resolver404
        self.rows = []  # dicts: route, user, url, first, warm, queries, status
        self.skipped = defaultdict(int)
        self.random = random.Random(args.seed)
        self.cpu = []  # this process's CPU ms of the last uncounted request
        self.on_progress = None

    def route(self, url):
        try:
            match = self.resolve(urlsplit(url).path)
        except self.Resolver404:
            return None
        return match.view_name or match._func_path

    def timed(self, client, url, *, count_queries):
        if count_queries:
            with self.Capture(self.connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
            return response, elapsed, len(captured)
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        self.cpu.append((time.process_time() - cpu) * 1000)
        return response, (time.perf_counter() - started) * 1000, None

    def healthz(self, requests=300):
        client = self.Client()
        samples = [self.timed(client, "/healthz", count_queries=False)[1] for _ in range(requests)]
        return samples

    def user(self, label, user):
        client = self.Client(raise_request_exception=False)
        client.force_login(user)
        links_seen, filters_seen = defaultdict(int), defaultdict(int)
        # The notification list carries the same navigation as home: the crawl goes on from it
        # when home fails (a cold cockpit past the statement timeout).
        queue = deque([("/", "link", None), ("/notifications/", "link", None)])
        queued = {"/", "/notifications/"}
        visited, started = 0, time.monotonic()
        limit_seconds = self.args.user_seconds or float("inf")
        while queue and visited < self.args.max_urls:
            if time.monotonic() - started > limit_seconds:
                print(f"  {label}: time box reached, {len(queue)} URLs left unvisited")
                self.skipped[f"{label}: left in queue at the time box"] = len(queue)
                break
            url, kind, referrer = queue.popleft()
            route = self.route(url)
            if route is None:
                self.skipped["unresolved"] += 1
                continue
            counter = links_seen if kind == "link" else filters_seen
            limit = self.args.per_pattern if kind == "link" else self.args.filters
            if counter[route] >= limit:
                continue
            counter[route] += 1
            visited += 1
            if visited % 25 == 0:
                print(f"  {label}: {visited} URLs, {len(queue)} queued", flush=True)
                if self.on_progress:
                    self.on_progress()
            page = self.visit(label, route, url, client, referrer)
            if page is None:
                continue
            parser = PageParser()
            try:
                parser.feed(page)
            except Exception:  # noqa: BLE001 - a malformed page still counts as measured
                continue
            links = [normalise(h, url) for h in parser.links]
            fresh = [u for u in dict.fromkeys(links) if u and u not in queued]
            self.random.shuffle(fresh)  # sample each pattern's links, not the first rows only
            for link in fresh:
                queued.add(link)
                queue.append((link, "link", url))
            for form in parser.forms:
                if not form["get"] or not form["fields"]:
                    continue
                for variant in filter_variants(url, form):
                    if not SKIP.search(variant) and variant not in queued:
                        queued.add(variant)
                        queue.append((variant, "filter", url))
        print(f"  {label}: {visited} URLs", flush=True)

    def visit(self, label, route, url, client, referrer):
        if self.args.cold:
            self.cache.clear()
        response, first, queries = self.timed(client, url, count_queries=True)
        content_type = response.get("Content-Type", "")
        if response.status_code == 200 and "text/html" not in content_type:
            self.skipped["not HTML (download)"] += 1
            return None
        row = {
            "route": route,
            "user": label,
            "url": url,
            "first": first,
            "warm": [],
            "queries": queries,
            "status": response.status_code,
            "cpu": [],
            "from": referrer,
        }
        self.rows.append(row)
        if response.status_code != 200:
            return None
        for index in range(self.args.repeat):
            response, elapsed, count = self.timed(client, url, count_queries=index == 0)
            row["warm"].append(elapsed)
            if count is None:
                row["cpu"].append(self.cpu[-1])
            if count is not None:
                row["queries"] = max(row["queries"], count)
        return response.content.decode("utf-8", "replace")


def summarise(rows, healthz_p50):
    """Per route: requests, p50/p95/max of warm requests, worst first request, max queries."""
    by_route = defaultdict(list)
    for row in rows:
        by_route[row["route"]].append(row)
    table = []
    for route, group in by_route.items():
        warm = [t for row in group for t in row["warm"]]
        cpu = [t for row in group for t in row["cpu"]]
        firsts = [row["first"] for row in group]
        every = warm + firsts
        statuses = sorted({row["status"] for row in group if row["status"] != 200})
        worst = max(group, key=lambda row: max([row["first"], *row["warm"]]))
        p95 = percentile(warm, 0.95) if warm else None
        flags = []
        if p95 is not None and p95 > WARM_BUDGET_MS:
            flags.append("p95>150")
        if max(every) > ANY_BUDGET_MS:
            flags.append(">1s")
        if cpu and percentile(cpu, 0.95) > WARM_BUDGET_MS:
            flags.append("CPU p95>150")
        if statuses:
            flags.append("HTTP " + "/".join(map(str, statuses)))
        table.append(
            {
                "route": route,
                "urls": len(group),
                "users": len({row["user"] for row in group}),
                "requests": len(every),
                "p50": statistics.median(warm) if warm else None,
                "p95": p95,
                "max": max(warm) if warm else None,
                "first": max(firsts),
                "queries": max(row["queries"] for row in group),
                "cpu": statistics.median(cpu) if cpu else None,
                "ratio": healthz_p50 / statistics.median(warm) if warm else None,
                "flags": " ".join(flags),
                "worst": f"{worst['user']} {worst['url']}" + referred(group),
            }
        )
    table.sort(key=lambda r: -(r["p95"] or r["first"]))
    return table


def referred(group):
    """Where the crawl found the first URL of the group that did not answer 200."""
    failed = [row for row in group if row["status"] != 200 and row.get("from")]
    return f" ({failed[0]['status']}, linked from {failed[0]['from']})" if failed else ""


def fmt(value, digits=0):
    return "—" if value is None else f"{value:.{digits}f}"


def render(table, rows, args, vendor, healthz, elapsed):
    first_label = "cold first" if args.cold else "first"
    warm = [t for row in rows for t in row["warm"]]
    over = [r for r in table if r["flags"]]
    lines = [
        f"{vendor}, {'cold' if args.cold else 'warm'}; {len(rows)} URLs, "
        f"{len(table)} URL patterns, {sum(r['requests'] for r in table)} requests, "
        f"{elapsed:.0f} s; /healthz p50 {statistics.median(healthz):.2f} ms, "
        f"p95 {percentile(healthz, 0.95):.2f} ms.",
        f"All pages, warm: p50 {statistics.median(warm):.0f} ms, "
        f"p95 {percentile(warm, 0.95):.0f} ms; "
        f"{sum(1 for row in rows if max([row['first'], *row['warm']]) > ANY_BUDGET_MS)} URLs "
        f"with a request over 1 s; {len(over)} patterns over budget; "
        f"{sum(1 for r in table if 'CPU' in r['flags'])} patterns with this process's CPU "
        "time alone over 150 ms at p95.",
        "",
        f"| URL pattern | URLs | users | req | p50 ms | p95 ms | max ms | {first_label} ms "
        "| CPU p50 ms | queries | thr./healthz | over budget | slowest (user URL) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in table:
        lines.append(
            f"| `{r['route']}` | {r['urls']} | {r['users']} | {r['requests']} | {fmt(r['p50'])} "
            f"| {fmt(r['p95'])} | {fmt(r['max'])} | {fmt(r['first'])} | {fmt(r['cpu'])} "
            f"| {r['queries']} "
            f"| {fmt(r['ratio'], 3)} | {r['flags']} | {r['worst'] if r['flags'] else ''} |"
        )
    return "\n".join(lines)


def main():
    args = parse_arguments()
    if args.merge:
        merge(args)
        return
    vendor = setup(args)
    from django.core.cache import cache

    users = bench_users(args.users)
    crawl = Crawl(args)
    cache.clear()
    healthz = crawl.healthz()
    started = time.perf_counter()

    def save():  # after every 25 URLs too: a crawl cut short still leaves its rows
        if args.rows_json:
            elapsed = time.perf_counter() - started
            dump = {"vendor": vendor, "cold": args.cold, "healthz": healthz, "elapsed": elapsed}
            Path(args.rows_json).write_text(json.dumps({**dump, "rows": crawl.rows}))

    crawl.on_progress = save
    for label, user in users:
        crawl.user(label, user)
    elapsed = time.perf_counter() - started
    save()
    output(crawl.rows, args, vendor, healthz, elapsed, crawl.skipped)


def merge(args):
    """The tables of several crawls (e.g. the users split over processes) as one."""
    dumps = [json.loads(Path(name).read_text()) for name in args.merge]
    args.cold = dumps[0]["cold"]
    rows = [row for dump in dumps for row in dump["rows"]]
    healthz = [t for dump in dumps for t in dump["healthz"]]
    elapsed = max(dump["elapsed"] for dump in dumps)
    output(rows, args, dumps[0]["vendor"], healthz, elapsed, {})


def output(rows, args, vendor, healthz, elapsed, skipped):
    table = summarise(rows, statistics.median(healthz))
    text = render(table, rows, args, vendor, healthz, elapsed)
    print()
    print(text)
    if skipped:
        print("skipped: " + ", ".join(f"{k} {v}" for k, v in skipped.items()))
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
        print(f"written {args.markdown}")


if __name__ == "__main__":
    main()
