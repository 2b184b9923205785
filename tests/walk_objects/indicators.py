"""The year-end indicators' drill-down pages (activities, assessments — the organisation-building
indicators —, dues: `indicator-detail`)
are addressed by the organisation whose numbers they show."""

MODELS = {"indicator"}


def objects(*, root, committee_a, branch_a, secretary, member):
    return {"indicator": branch_a}
