from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST

from alxa_dangjian.core import params

from . import roles, services
from .forms import LoginForm, UserCreateForm, UserEditForm
from .models import User
from .scoping import get_visible_or_404

login = auth_views.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=LoginForm,
    redirect_authenticated_user=True,
)
logout = auth_views.LogoutView.as_view()
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html",
    success_url=reverse_lazy("accounts:password-change-done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)


@require_http_methods(["GET"])
def user_list(request):
    roles.require(request.user, roles.MANAGE_ACCOUNTS)
    users = User.objects.visible_to(request.user).select_related("organization")
    query = params.text(request, "q")
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(name__icontains=query)
            | Q(organization__name__icontains=query)
        )
    role = request.GET.get("role", "")
    if role in User.Role.values:
        users = users.filter(role=role)
    page = Paginator(users.order_by("organization__path", "username"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "query": query, "role": role, "roles": User.Role.choices},
    )


@require_http_methods(["GET", "POST"])
def user_create(request):
    roles.require(request.user, roles.MANAGE_ACCOUNTS)
    form = UserCreateForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        user = services.create_user(form, by=request.user)
        messages.success(request, f"已创建账号“{user.username}”。")
        return redirect("accounts:user-list")
    return render(request, "accounts/user_form.html", {"form": form, "title": "新建账号"})


@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    roles.require(request.user, roles.MANAGE_ACCOUNTS)
    account = get_visible_or_404(User, request.user, pk=pk)
    form = UserEditForm(request.POST or None, instance=account, by=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_user(form, by=request.user)
        messages.success(request, f"已保存账号“{account.username}”。")
        return redirect("accounts:user-list")
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "account": account, "title": f"编辑账号：{account}"},
    )


@require_POST
def user_toggle_active(request, pk):
    roles.require(request.user, roles.MANAGE_ACCOUNTS)
    account = get_visible_or_404(User, request.user, pk=pk)
    try:
        services.set_active(account, active=not account.is_active, by=request.user)
    except services.ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        state = "启用" if account.is_active else "停用"
        messages.success(request, f"已{state}账号“{account.username}”。")
    return redirect(reverse("accounts:user-list"))


@require_http_methods(["GET", "POST"])
def user_reset_password(request, pk):
    roles.require(request.user, roles.MANAGE_ACCOUNTS)
    account = get_visible_or_404(User, request.user, pk=pk)
    form = SetPasswordForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.reset_password(form, by=request.user)
        messages.success(request, f"已重置账号“{account.username}”的密码。")
        return redirect("accounts:user-list")
    return render(
        request,
        "accounts/user_reset_password.html",
        {"form": form, "account": account, "title": f"重置密码：{account}"},
    )
