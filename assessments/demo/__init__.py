"""Demo seeding of the app: the responsibility lists (lists) and a sample assessment scheme
with 民主测评 counts (scoring); seed_demo calls `seed_lists` and `seed_scoring`."""
