"""The user's notifications: the list, opening one (read, then to the case), and the mail
settings. A user reaches only their own notifications: anyone else's answers 404, exactly
like a missing one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ampcase import audit

from . import services
from .forms import MailPreferenceForm
from .models import MailPreference, Notification

PAGE_SIZE = 50


def _get_notification_for_user(request: HttpRequest, notification_uuid) -> Notification:
    return get_object_or_404(
        Notification.objects.select_related("case"),
        uuid=notification_uuid,
        recipient=request.user,
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user).select_related("case")
    page = Paginator(notifications.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


@login_required
def open_notification(request: HttpRequest, notification_uuid) -> HttpResponse:
    """Mark the notification read and go where to act: the case page (which itself answers
    404 if the user no longer sees the case)."""
    notification = _get_notification_for_user(request, notification_uuid)
    services.mark_read(notification)
    return redirect("referrals:case", case_uuid=notification.case.uuid)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user)
    return redirect("notifications:list")


@login_required
def mail_settings(request: HttpRequest) -> HttpResponse:
    preference = MailPreference.objects.filter(user=request.user).first() or MailPreference(
        user=request.user
    )
    form = MailPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(
            request,
            "notifications.settings_changed",
            summary=f"{preference.mail} {preference.language}",
        )
        messages.success(request, _("Your e-mail settings are saved."))
        return redirect(reverse("notifications:settings"))
    return render(request, "notifications/settings.html", {"form": form})
