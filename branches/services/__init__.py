"""Every write of the branches app, one module per thing written: members (and transfers),
organisations' own records (terms, seats, groups, units), transfer requests, development cases,
probation decisions, 最强党支部 applications and titles, supervision notes. Each writer owns its
transaction, its history and its cache invalidation. The rules they apply that only read live
in branches/rules/."""
