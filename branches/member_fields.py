"""The member's record as the user sees it: one ordered declaration of its fields (the national
member-information items) that the member form, the 党员花名册 ledger and the member import all
derive from, so an exported roster imports back and a field added here reaches all three.

The order is the roster's column order. The import reads each column under the same header
(`header`); a field the roster shows in another form names that column too (`roster_header`:
the roster says only whether contact is lost, the import also takes the date).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class MemberField:
    name: str  # the Member field
    header: str  # the Chinese column header of the roster and the import
    width: float  # column width in Excel character units
    kind: str = "text"  # the ledger column kind (alxa_dangjian.ledgers.xlsx.Column)
    lookup: str = ""  # what the roster reads, when not the field itself (a related name)
    form: str = "create"  # on the member form: "create" (and edit), "edit" only, or ""
    roster_header: str = ""  # the roster's header, when it shows the field another way
    roster_width: float = 0

    @property
    def roster_lookup(self) -> str:
        return self.lookup or self.name

    @property
    def roster_column(self) -> tuple[str, float, str]:
        if self.roster_header:
            return self.roster_header, self.roster_width or self.width, "text"
        return self.header, self.width, self.kind


MEMBER_FIELDS = (
    MemberField("name", "姓名", 10),
    MemberField("gender", "性别", 6),
    MemberField("ethnicity", "民族", 8),
    MemberField("birth_date", "出生日期", 12, "date"),
    MemberField("id_number", "公民身份号码", 21),
    MemberField("native_place", "籍贯", 12),
    MemberField("education", "学历", 10),
    MemberField("degree", "学位", 6),
    MemberField("work_started_on", "参加工作日期", 12, "date"),
    MemberField("phone", "电话", 13),
    MemberField("category", "人员类别", 16),
    MemberField("party_post", "党内职务", 12),
    MemberField("joined_on", "入党日期", 12, "date"),
    MemberField("confirmed_on", "转正日期", 12, "date"),
    MemberField("status", "党员类型", 10),
    # A standing changes on the member's page only (an import never changes it).
    MemberField("standing", "党籍状态", 9, form="edit"),
    # The branch: chosen when the member is created; afterwards only a transfer moves them.
    MemberField("organization", "所在党支部", 24, lookup="organization__name"),
    MemberField("party_group", "党小组", 12, lookup="party_group__name", form="edit"),
    MemberField("is_floating", "流动党员", 8),
    # Lost contact has its own form on the member's page.
    MemberField(
        "lost_contact_since", "失联起始日期", 12, "date", form="", roster_header="失联",
        roster_width=6,
    ),
)  # fmt: skip

BY_NAME = {field.name: field for field in MEMBER_FIELDS}


def form_fields(*, edit: bool = False) -> list[str]:
    """The member form's fields, in the declaration's order after the branch."""
    kept = ("create", "edit") if edit else ("create",)
    names = [f.name for f in MEMBER_FIELDS if f.form in kept and f.name != "organization"]
    return ["organization", *names]
