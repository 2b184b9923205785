from dataclasses import dataclass

from django.urls import reverse

from alxa_dangjian.accounts import roles


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None  # a roles.* permission the entry needs, if any


# The grouped navigation: one place decides what the sidebar (a drawer on phones) lists.
SECTIONS = [
    ("", [NavItem("首页", "portal:home")]),
    (
        "组织与党员",
        [
            NavItem("党组织", "branches:organization-list"),
            NavItem("党员", "branches:member-list"),
            NavItem("发展党员", "branches:developmentcase-list"),
            NavItem("党内统计年报", "annual_stats:report"),
        ],
    ),
    (
        "组织生活",
        [
            NavItem("组织生活", "activities:activity-list"),
            NavItem("合规监测", "activities:compliance-heatmap", roles.REVIEW),
            NavItem("服务台账", "activities:servicerecord-list"),
        ],
    ),
    (
        "评星与考核",
        [
            NavItem("最强党支部", "branches:ratinground-list"),
            NavItem("责任与考核", "assessments:index"),
        ],
    ),
    (
        "培训与党费",
        [NavItem("干部培训", "training:trainingclass-list"), NavItem("党费", "dues:ledger-index")],
    ),
    (
        "台账与系统",
        [
            NavItem("台账导出", "ledgers:ledger-list"),
            NavItem("账号管理", "accounts:user-list", roles.MANAGE_ACCOUNTS),
        ],
    ),
]


def _sections(user, address):
    sections = []
    for title, items in SECTIONS:
        entries = [
            {"label": item.label, "url": reverse(item.url_name)}
            for item in items
            if item.permission is None or user.may(item.permission)
        ]
        if entries:
            sections.append({"title": title, "items": entries})
    # The entry whose address is the longest prefix of the page's is the current one.
    current = None
    for section in sections:
        for entry in section["items"]:
            url = entry["url"]
            matches = address == url if url == "/" else address.startswith(url)
            if matches and (current is None or len(url) > len(current[1]["url"])):
                current = (section, entry)
    if current is not None:
        current[1]["active"] = True
    return sections, current


def navigation(request):
    """Which navigation entries the current role may use (the templates only read these),
    grouped in sections, with the current entry marked and the breadcrumb trail to it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    sections, current = _sections(user, request.path)
    trail = []
    if current is not None and current[1]["url"] != "/":
        section, entry = current
        trail = [
            {"label": entry["label"], "url": entry["url"], "here": request.path == entry["url"]}
        ]
        if section["title"]:
            trail.insert(0, {"label": section["title"], "url": None})
    return {
        "nav": {
            "manage_accounts": user.may(roles.MANAGE_ACCOUNTS),
            "review": user.may(roles.REVIEW),
            "publish": user.may(roles.PUBLISH),
            "sections": sections,
            "trail": trail,
        }
    }
