from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True
    name = "ampcase.accounts"
    label = "accounts"
    verbose_name = _("Users and organisations")

    def ready(self) -> None:
        from ampcase import checks  # noqa: F401  (registers the system checks)

        from . import roles, signals  # noqa: F401  (signal receivers)

        post_migrate.connect(roles.sync_role_permissions, sender=self)
