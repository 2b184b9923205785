from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from activities.demo import seed_activities
from alxa_dangjian.accounts.demo import DEMO_PASSWORD, seed_users
from alxa_dangjian.core import caching
from alxa_dangjian.core.reference import ensure_reference_data
from assessments.demo.lists import seed_lists
from assessments.demo.scoring import seed_scoring
from branches.demo.organizations import seed_organizations
from branches.demo.people import seed_people
from branches.demo.ratings import seed_ratings
from dues.demo import seed_dues
from portal.cockpit.warm import warm_cockpits
from training.demo import seed_training


class Command(BaseCommand):
    help = "载入演示数据（幂等：重复运行不会改变已有数据）。--scale N 生成 N 倍的党组织。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="数据规模倍数（默认 1）")

    def handle(self, *args, scale, **options):
        if not 1 <= scale <= 100:
            raise CommandError("--scale 须为 1 到 100 之间的整数。")
        ensure_reference_data()
        created = seed_organizations(scale)
        logins = seed_users()
        people = seed_people()
        life = seed_activities()
        seed_training()
        seed_dues()
        seed_ratings()
        seed_lists()
        seed_scoring()
        # The demo writes in bulk, past the services: every cached figure is out of date.
        caching.changed(*caching.ALL)
        # Fresh tables have no planner statistics until autovacuum (if on) gets to them: without
        # them PostgreSQL plans the first figures as if every table were empty (nested loops over
        # hundreds of thousands of rows, tens of seconds), and SQLite has none until asked.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        # With a cache the web processes share (Redis), leave the root's and every party
        # committee's cockpit computed, as the beat task keeps them: the first home of the day
        # is then not computed in a request. A per-process cache (locmem, the embedded default)
        # ends with this command; there the first visit computes it (about a second at ×1).
        warmed = 0
        if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
            warmed = warm_cockpits()
        self.stdout.write(
            "演示数据已就绪：新建党组织 {orgs} 个、党员 {members} 名、届次 {terms} 条、"
            "委员 {seats} 名、党小组 {groups} 个、发展党员 {cases} 人、组织生活记录 {activities} 条"
            "（出勤 {attendances} 条）、服务台账 {services} 条。".format(
                orgs=created,
                members=people["members"],
                terms=people["terms"],
                seats=people["seats"],
                groups=people["party_groups"],
                cases=people["cases"],
                activities=life["activities"],
                attendances=life["attendances"],
                services=life["service_records"],
            )
        )
        if warmed:
            self.stdout.write(f"已预先计算 {warmed} 个党建驾驶舱（全盟及各党委）。")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, organization in logins:
            self.stdout.write(f"  {role:<8} {username:<10} {organization}")
