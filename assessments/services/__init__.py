"""Every write of the app, one module per thing written: responsibility lists (lists),
assessment schemes (schemes), reviewers' inputs (scores), runs (runs, results) and the
review flow (review)."""
