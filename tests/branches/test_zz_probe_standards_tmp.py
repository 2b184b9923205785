from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.branches.test_rating_standards_excel import *  # noqa

def test_probe(client, staff):
    client.force_login(staff)
    for n in (3, 300):
        RatingStandard.objects.filter(year=YEAR).delete()
        RatingStandard.objects.bulk_create(RatingStandard(year=YEAR, code=f"Q{i}", category="social", aspect="team", five_strong="team", text="x", method="points", max_score=1) for i in range(n))
        with CaptureQueriesContext(connection) as ctx:
            export_bytes(client, YEAR)
        print(n, len(ctx.captured_queries))
        for q in ctx.captured_queries: print("   ", q["sql"][:110])
