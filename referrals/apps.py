from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .permissions import forget_permission_ids

        post_migrate.connect(forget_permission_ids, dispatch_uid="referrals_forget_perm_ids")
