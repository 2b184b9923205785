import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import User

logger = logging.getLogger("alxa_dangjian.accounts")

__all__ = ["ValidationError", "create_user", "reset_password", "set_active", "update_user"]


@transaction.atomic
def create_user(form, *, by: User) -> User:
    user = form.save()
    logger.info("account %s created by %s", user.username, by.username)
    return user


@transaction.atomic
def update_user(form, *, by: User) -> User:
    user = form.save()
    logger.info("account %s changed by %s: %s", user.username, by.username, form.changed_data)
    return user


@transaction.atomic
def set_active(user: User, *, active: bool, by: User) -> User:
    if user.pk == by.pk and not active:
        raise ValidationError("不能停用自己正在使用的账号。")
    user.is_active = active
    user.save(update_fields=["is_active"])
    logger.info("account %s active=%s by %s", user.username, active, by.username)
    return user


@transaction.atomic
def reset_password(form, *, by: User) -> User:
    user = form.save()
    logger.info("password of %s reset by %s", user.username, by.username)
    return user
