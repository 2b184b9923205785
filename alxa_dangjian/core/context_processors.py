from alxa_dangjian.accounts import roles


def navigation(request):
    """Which navigation entries the current role may use (the templates only read these)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "manage_accounts": user.may(roles.MANAGE_ACCOUNTS),
            "review": user.may(roles.REVIEW),
            "publish": user.may(roles.PUBLISH),
        }
    }
