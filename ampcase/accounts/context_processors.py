from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Role

CASE_ROLES = frozenset(
    {
        Role.REGION_COORDINATOR,
        Role.SOCIAL_WORKER,
        Role.IOM_CASEWORKER,
        Role.IOM_APPROVER,
        Role.COUNTRY_OFFICE,
    }
)
REFERRING_ROLES = frozenset({Role.REFERRER})


def navigation(request) -> dict:
    """The navigation a signed-in user may use; nothing for anyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"nav_items": []}
    items = [(reverse("home"), _("My work"), "home")]
    # Case work: the pages filter by object permission; the link shows for roles that have any.
    if user.roles & CASE_ROLES:
        items.append((reverse("referrals:cases"), _("Cases"), "cases"))
    if Role.IOM_APPROVER in user.roles:
        items.append((reverse("reintegration:approvals"), _("Payments to approve"), "approvals"))
    if user.roles & {Role.IOM_CASEWORKER, Role.COUNTRY_OFFICE}:
        items.append((reverse("reintegration:providers"), _("Providers"), "providers"))
    if user.roles & REFERRING_ROLES:
        items.append((reverse("referrals:my-referrals"), _("My referrals"), "referrals"))
    if user.is_staff:
        items.append((reverse("admin:index"), _("Administration"), "admin"))
    if user.has_perm("audit.view_auditevent"):
        items.append((reverse("admin:audit_auditevent_changelist"), _("Audit trail"), "audit"))
    return {"nav_items": items}
