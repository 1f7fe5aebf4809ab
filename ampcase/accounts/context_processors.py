from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request) -> dict:
    """The navigation a signed-in user may use; nothing for anyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"nav_items": []}
    items = [(reverse("home"), _("My work"), "home")]
    if user.is_staff:
        items.append((reverse("admin:index"), _("Administration"), "admin"))
    if user.has_perm("audit.view_auditevent"):
        items.append((reverse("admin:audit_auditevent_changelist"), _("Audit trail"), "audit"))
    return {"nav_items": items}
