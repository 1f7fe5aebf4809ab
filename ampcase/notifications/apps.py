from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "ampcase.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from referrals import registry

        from . import events

        # Told of every change a service made, inside its transaction (see `events`).
        registry.change_listener(events.on_changes)
