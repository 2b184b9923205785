"""Forms of the app: the responsibility lists (lists) and the year-end assessment (scoring).
They parse input; the rules are in assessments/services/."""
