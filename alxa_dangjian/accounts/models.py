from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from alxa_dangjian.core.collation import PINYIN
from branches.models import Organization

from .scoping import ScopedQuerySet


class UserQuerySet(ScopedQuerySet):
    pass


class PortalUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    class Role(models.TextChoices):
        SYSTEM_ADMIN = "system_admin", "系统管理员"
        STAFF = "staff", "工委工作人员"
        COMMITTEE_ADMIN = "committee_admin", "基层党委管理员"
        SECRETARY = "secretary", "支部书记"

    name = models.CharField("姓名", max_length=50, blank=True, db_collation=PINYIN)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    organization = models.ForeignKey(
        "branches.Organization",
        verbose_name="所属党组织",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.SECRETARY)

    objects = PortalUserManager()

    # Which organisation types each role sits in: secretaries in a branch, party-committee
    # admins in a committee, work-committee staff at the root; a system administrator
    # manages the accounts of whatever subtree they are placed in.
    ROLE_ORGANIZATION_TYPES = {
        Role.SYSTEM_ADMIN: tuple(Organization.Type),
        Role.STAFF: (Organization.Type.WORK_COMMITTEE,),
        Role.COMMITTEE_ADMIN: Organization.COMMITTEE_TYPES,
        Role.SECRETARY: Organization.BRANCH_TYPES,
    }

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self):
        return f"{self.name}（{self.username}）" if self.name else self.username

    def get_absolute_url(self):
        return reverse("accounts:user-edit", args=[self.pk])

    def clean(self):
        super().clean()
        if self.organization_id is None:
            if not self.is_superuser:
                raise ValidationError({"organization": "请选择所属党组织。"})
            return
        allowed = self.ROLE_ORGANIZATION_TYPES[self.role]
        if self.organization.type not in allowed:
            raise ValidationError(
                {
                    "role": "“{role}”只能设在{types}。".format(
                        role=self.get_role_display(),
                        types="、".join(str(t.label) for t in allowed),
                    )
                }
            )

    def get_full_name(self):
        return self.name or self.username

    def get_short_name(self):
        return self.name or self.username

    def may(self, permission: str) -> bool:
        """What the role allows; *where* is always the organisation's subtree."""
        from .roles import role_allows

        return self.is_active and role_allows(self.role, permission)
