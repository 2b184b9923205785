from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "alxa_dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与权限"
