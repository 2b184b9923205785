"""What a branch still has to hold, as sentences a secretary reads, and the daily reminders.

One compliance computation covers every branch (`compliance.compute`); the secretaries and
the party-committee admins are read in one query each; the notifications are written in
one bulk insert (`core.notifications.notify_many`), once per user, item and day.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from alxa_dangjian.accounts.models import User
from alxa_dangjian.core.notifications import Message, notify_many
from branches.models import Organization

from ..compliance import JUDGED_TYPES, Cell, Report, Status, compute
from ..models import FrequencyRule

# Committee admins receive at most this many branches in their daily digest (the rest are
# counted); the heatmap lists them all.
DIGEST_MAX_BRANCHES = 30
DIGEST_KEY = "compliance-overdue-digest"


@dataclass(frozen=True)
class DueItem:
    cell: Cell
    text: str
    url: str
    # What the secretary does next: log it (the form preset from the item), submit the draft
    # already logged for it, or explain it when its period is past the back-filling window.
    action_url: str = ""
    action_label: str = "去登记"

    @property
    def overdue(self) -> bool:
        return self.cell.status == Status.OVERDUE

    @property
    def key(self) -> str:
        """Names the rule-period of the branch, for once-a-day notifications."""
        period = self.cell.period
        return (
            f"compliance:{self.cell.organization_id}:{self.cell.rule.pk}:"
            f"{period.kind}:{period.year}:{period.index}"
        )


def _verb(kind_name: str) -> str:
    # Meetings and lectures are "held" (召开); everything else is "carried out" (开展).
    return "召开" if kind_name.endswith(("会", "课")) else "开展"


def describe(cell: Cell) -> str:
    """One sentence: "本季度还需召开党课 1 次" or "2026年3月 主题党日 未开展（已逾期）"."""
    kind = cell.rule.kind.name
    if cell.status == Status.OVERDUE:
        shortfall = "未开展" if cell.held == 0 else f"还差 {cell.missing} 次"
        return f"{cell.period.label} {kind} {shortfall}（已逾期）"
    suffix = "（按党小组计）" if cell.rule.per_party_group else ""
    return f"{cell.period.short_label}还需{_verb(kind)}{kind} {cell.missing} 次{suffix}"


def describe_pending(cell: Cell, what: str) -> str:
    """The item while something of the branch's waits: "本月主题党日草稿待提交"."""
    kind = cell.rule.kind.name
    if cell.status == Status.OVERDUE:
        return f"{cell.period.label} {kind} {what}（已逾期）"
    return f"{cell.period.short_label}{kind}{what}"


def item_url(cell: Cell) -> str:
    """The branch's records of the item's kind (and month, for a monthly rule)."""
    query = {"organization": cell.organization_id, "kind": cell.rule.kind_id}
    if cell.period.kind == FrequencyRule.Period.MONTH:
        query["month"] = f"{cell.period.year}-{cell.period.index:02d}"
    return f"{reverse('activities:activity-list')}?{urlencode(query)}"


def log_url(organization_id: int, cell: Cell | None = None, today=None) -> str:
    """The form for a new record; for an item, preset with its kind and a date in its period
    (today while it runs, else its last day)."""
    query = {"organization": organization_id}
    if cell is not None:
        day = min(cell.period.end, today or datetime.date.today())
        query |= {"kind": cell.rule.kind_id, "held_on": max(day, cell.period.start).isoformat()}
    return f"{reverse('activities:activity-create')}?{urlencode(query)}"


def explain_url(cell: Cell) -> str:
    query = {
        "organization": cell.organization_id,
        "rule": cell.rule.pk,
        "year": cell.period.year,
        "index": cell.period.index,
    }
    return f"{reverse('activities:overdueexplanation-create')}?{urlencode(query)}"


def due_items(
    report: Report, organization_id: int, *, drafts=(), requests=(), window_start=None
) -> list[DueItem]:
    """The branch's open items: overdue ones first (oldest first), then those now due.

    With the branch's `drafts` (unsubmitted records, kind loaded), an item a draft would
    count for says the draft awaits submission; with its pending 补录申请 (`requests`), the
    item says so; with `window_start` (the back-filling window's first day), an overdue item
    whose period ended before it is to be explained rather than logged.
    """
    cells = sorted(
        report.due_now(organization_id),
        key=lambda c: (c.status != Status.OVERDUE, c.period.start, c.rule.kind.sort_order),
    )
    waiting = {(r.rule_id, r.year, r.index): r for r in requests}
    items = []
    for cell in cells:
        period = cell.period
        draft = next(
            (
                d
                for d in drafts
                if d.kind_id == cell.rule.kind_id and period.start <= d.held_on <= period.end
            ),
            None,
        )
        request = waiting.get((cell.rule.pk, period.year, period.index))
        if draft is not None:
            text = describe_pending(cell, "草稿待提交")
            submit = reverse("activities:activity-submit", args=[draft.pk])
            items.append(DueItem(cell, text, draft.get_absolute_url(), submit, "去提交"))
        elif request is not None:
            text = describe_pending(cell, "补录申请待审批")
            url = request.get_absolute_url()
            items.append(DueItem(cell, text, url, url, "查看申请"))
        elif (
            window_start is not None
            and cell.status == Status.OVERDUE
            and (period.end < window_start)
        ):
            text = describe(cell)
            items.append(DueItem(cell, text, item_url(cell), explain_url(cell), "说明或申请补录"))
        else:
            text = describe(cell)
            items.append(
                DueItem(
                    cell,
                    text,
                    item_url(cell),
                    log_url(organization_id, cell, report.today),
                    "去登记",
                )
            )
    return items


@dataclass
class ReminderResult:
    branches: int = 0
    secretary_notifications: int = 0
    digests: int = 0


def send_compliance_reminders(*, today: datetime.date) -> ReminderResult:
    """Notify every branch's secretaries of each open item, and each party-committee admin of
    the overdue items below them in one digest; idempotent for the day."""
    report = compute(Organization.objects.all(), today.year, today=today)
    result = ReminderResult(branches=len(report.organizations))
    items = {}
    for organization in report.organizations:
        open_items = due_items(report, organization.pk)
        if open_items:
            items[organization.pk] = open_items
    if not items:
        return result

    secretaries = defaultdict(list)
    for user in User.objects.filter(
        role=User.Role.SECRETARY,
        is_active=True,
        organization__type__in=JUDGED_TYPES,
        organization__is_active=True,
    ).only("pk", "email", "organization"):
        secretaries[user.organization_id].append(user)
    messages = [
        Message(secretaries[organization_id], item.key, item.text, _item_body(item), item.url)
        for organization_id, open_items in items.items()
        for item in open_items
        if secretaries[organization_id]
    ]
    messages.extend(_digests(report, items, today))
    created = notify_many(messages, day=today)
    result.digests = sum(1 for n in created if n.item_key == DIGEST_KEY)
    result.secretary_notifications = len(created) - result.digests
    return result


def _item_body(item: DueItem) -> str:
    rule = item.cell.rule
    period = item.cell.period
    lines = [
        f"{rule}（{period.label}）：应开展 {item.cell.required} 次，已开展 {item.cell.held} 次。",
    ]
    if rule.source:
        lines.append(f"依据：{rule.source}。")
    lines.append("请及时开展并在平台登记（草稿不计入，提交后计入）。")
    return "\n".join(lines)


def _digests(report: Report, items: dict, today: datetime.date) -> list[Message]:
    """One message per party-committee admin listing the branches below them with overdue
    items; an admin sees a branch when their organisation's path is a prefix of its path."""
    admins_by_path = defaultdict(list)
    for admin in User.objects.filter(
        role=User.Role.COMMITTEE_ADMIN, is_active=True, organization__is_active=True
    ).select_related("organization"):
        admins_by_path[admin.organization.path].append(admin)
    if not admins_by_path:
        return []
    lines_by_admin = defaultdict(list)
    admins = {}
    for organization in report.organizations:
        overdue = [item for item in items.get(organization.pk, []) if item.overdue]
        if not overdue:
            continue
        line = "{name}：{items}".format(
            name=organization.display_name,
            items="；".join(item.text.removesuffix("（已逾期）") for item in overdue),
        )
        path = organization.path
        ancestors = [path[: i + 1] for i, char in enumerate(path[:-1]) if char == "/"]
        for ancestor in ancestors:
            for admin in admins_by_path.get(ancestor, []):
                admins[admin.pk] = admin
                lines_by_admin[admin.pk].append(line)
    heatmap = reverse("activities:compliance-heatmap")
    messages = []
    for admin_pk, lines in lines_by_admin.items():
        shown = lines[:DIGEST_MAX_BRANCHES]
        if len(lines) > len(shown):
            shown.append(f"……另有 {len(lines) - len(shown)} 个党组织，请在合规监测页面查看。")
        messages.append(
            Message(
                [admins[admin_pk]],
                DIGEST_KEY,
                f"下辖 {len(lines)} 个党组织有逾期未开展的组织生活",
                "\n".join(shown),
                f"{heatmap}?year={today.year}",
            )
        )
    return messages
