"""Cadre training for the demo league, in the seed's shape (DOMAIN.md §7).

The period is **last year in full and the current year up to today** (统计期间 shown on the
statistics page): 53 示范培训班 held by the work committee, one ordered session per branch per
year, together about 13,000 person-times and about 1.6 million yuan. A pool of 60 teachers
and a menu of 30 courses; orders in every status; 学习强国 scores per quarter.

Hours are spread so the progress pages tell a story: most members attend one three-day
demonstration class (24 学时) and their branch's session (8), some two classes (committee
members first: they need 56), and about a quarter none — so roughly half the league meets
its rule and the behind list is long enough to matter.

Deterministic (seeded generator, rows in pk order) and idempotent: each part (teachers,
courses, classes, orders, scores) is created only when its table is empty. Written with
bulk_create.
"""

import datetime
import random

from django.db import transaction

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.models import User
from branches.models import Organization

from ..models import Course, CourseOrder, Teacher, TrainingClass, XuexiScore
from .classes import seed_classes
from .orders import seed_orders
from .teachers import seed_courses, seed_teachers
from .xuexi import seed_scores

SEED = "training-demo"


def seed_training(today: datetime.date | None = None) -> dict[str, int]:
    """Create the demo's training records where they are missing; returns what was made."""
    today = today or datetime.date.today()
    recorder = User.objects.filter(role=User.Role.SYSTEM_ADMIN).order_by("pk").first()
    root = Organization.objects.filter(scoping.root_q()).order_by("pk").first()
    counts = dict.fromkeys(("teachers", "courses", "classes", "enrollments", "orders", "scores"), 0)
    if recorder is None or root is None:
        return counts
    rng = random.Random(SEED)
    with transaction.atomic():
        if not Teacher.objects.exists():
            counts["teachers"] = seed_teachers(rng)
        if not Course.objects.exists():
            counts["courses"] = seed_courses(rng)
        if not TrainingClass.objects.filter(kind=TrainingClass.Kind.DEMONSTRATION).exists():
            counts["classes"], counts["enrollments"] = seed_classes(rng, root, recorder, today)
        if not CourseOrder.objects.exists():
            counts["orders"] = seed_orders(rng, recorder, today)
        if not XuexiScore.objects.exists():
            counts["scores"] = seed_scores(rng, recorder, today)
    return counts
