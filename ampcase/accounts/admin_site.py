from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class TwoFactorAdminSite(admin.AdminSite):
    """The admin, behind the project's own two-step login, for verified staff only."""

    site_header = _("ÅMP Case administration")
    site_title = _("ÅMP Case administration")
    index_title = _("Administration")

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and request.user.is_verified()

    def login(self, request, extra_context=None):
        index = reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return redirect_to_login(index)
        if self.has_permission(request):
            return redirect(index)
        # Signed in, but not staff: the admin is not for them.
        raise PermissionDenied
