"""Notifications pages: the inbox (unread first; opening one marks it read and goes to its
matter), "mark all read", and one's e-mail address for the daily digest. Reads through
notifications.selectors, writes through notifications.services; someone else's
notification is 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.notifications.selectors import notifications_for, notifications_inbox, unread_count
from linli.notifications.services import notifications_mark_read, notifications_set_email
from linli.web.common.door import run_service
from linli.web.common.redirects import safe_next

from .forms import EmailForm

PER_PAGE = 30


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_inbox(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/notifications/notification_list.html",
        {
            "page": page,
            "unread": unread_count(request.user),
            "has_email": bool(getattr(request.user, "email", "")),
        },
    )


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one's notification read and go where it points (a page of this site only)."""
    found = notifications_for(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    notifications_mark_read(actor=request.user, ids=[found.pk])
    return redirect(safe_next(request, reverse("web:notification_list"), target=found.url))


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_read(actor=request.user)
    if count:
        messages.success(request, _("已将 %(n)s 条提醒标为已读") % {"n": count})
    return redirect("web:notification_list")


@require_http_methods(["GET", "POST"])
@login_required
def notification_email(request: HttpRequest) -> HttpResponse:
    """One's e-mail address for the daily digest (blank: no e-mail)."""
    user = request.user
    form = EmailForm(request.POST or None, initial={"email": getattr(user, "email", "")})
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        saved = run_service(
            request,
            notifications_set_email,
            quiet=True,
            ok=_("已保存，每天会把新提醒汇总发到这个邮箱。")
            if email
            else _("已清除邮箱，不再发送提醒邮件。"),
            email=email,
        )
        if saved:
            return redirect("web:notification_list")
        form.add_error("email", str(saved.error))
    return render(request, "web/notifications/notification_email.html", {"form": form})
