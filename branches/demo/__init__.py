"""The branches app's demo data: organisations (`organizations.seed_organizations`), members with
their terms, committees and development cases (`people.seed_people`) and the 最强党支部 ratings
(`ratings.seed_ratings`), called in that order by `seed_demo`."""
