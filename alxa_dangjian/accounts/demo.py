"""One demo account per role, placed in real organisations of the demo league."""

from django.db import transaction

from branches.models import Organization

from .models import User

DEMO_PASSWORD = "Alxa@2026"

# (username, name, role, organisation full name)
DEMO_USERS = [
    ("admin", "系统管理员", User.Role.SYSTEM_ADMIN, "中共阿拉善盟直属机关工作委员会"),
    ("gongwei", "王海燕", User.Role.STAFF, "中共阿拉善盟直属机关工作委员会"),
    ("dangwei", "巴特尔", User.Role.COMMITTEE_ADMIN, "中共阿拉善盟公安局委员会"),
    ("shuji", "乌云其其格", User.Role.SECRETARY, "盟公安局治安管理支队党支部"),
]


@transaction.atomic
def seed_users() -> list[tuple[str, str, str]]:
    """Create missing demo accounts (existing ones, and their passwords, are left alone)."""
    logins = []
    for username, name, role, organization_name in DEMO_USERS:
        organization = Organization.objects.get(name=organization_name)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"name": name, "role": role, "organization": organization},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        logins.append((username, user.get_role_display(), organization.name))
    return logins
