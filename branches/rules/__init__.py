"""Rules of the branches app that only read: the development timing rules, the 支部大会's votes
and who may act in the 最强党支部 flow. The writes that apply them are in branches/services/."""
