"""A transfer into a branch the sender may not act on (转出待接收): pending until the
receiving branch (its secretary) or a committee above it accepts. The member stays in the
sending branch, and counts there, until then; the receiver may decline with a reason and the
sender may withdraw. An accepted request makes the MemberTransfer that moves the member."""

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.scoping import scope_path

from .members import Member, MemberTransfer
from .organizations import Organization


class TransferRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Both sides see a request: the sending branch's subtree and the receiving one's."""
        path = scope_path(user)
        if path is None:
            return self.none()
        return self.filter(
            scoping.subtree_q(path, "from_organization")
            | scoping.subtree_q(path, "to_organization")
        )

    def incoming_to(self, path: str):
        return scoping.within(self, path, "to_organization")

    def outgoing_from(self, path: str):
        return scoping.within(self, path, "from_organization")

    def pending(self):
        return self.filter(status=TransferRequest.Status.PENDING)


class TransferRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待接收"
        ACCEPTED = "accepted", "已接收"
        DECLINED = "declined", "已拒绝"
        WITHDRAWN = "withdrawn", "已撤回"

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.CASCADE, related_name="transfer_requests"
    )
    from_organization = models.ForeignKey(
        Organization, verbose_name="转出党组织", on_delete=models.PROTECT, related_name="+"
    )
    to_organization = models.ForeignKey(
        Organization,
        verbose_name="接收党组织",
        on_delete=models.PROTECT,
        related_name="incoming_transfer_requests",
    )
    transferred_on = models.DateField("转接日期")
    letter_number = models.CharField("介绍信编号", max_length=60, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    requested_by = models.ForeignKey(
        "accounts.User", verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("发起时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name="处理人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    reason = models.CharField("原因", max_length=200, blank=True)
    transfer = models.OneToOneField(
        MemberTransfer,
        verbose_name="转接记录",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="request",
    )

    objects = TransferRequestQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "待接收的组织关系转接"
        verbose_name_plural = "待接收的组织关系转接"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="pending"),
                name="branches_transferrequest_one_pending_per_member",
            )
        ]

    def __str__(self):
        return f"{self.member.name} → {self.to_organization} {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse("branches:transferrequest-detail", args=[self.pk])
