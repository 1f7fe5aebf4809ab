from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReintegrationConfig(AppConfig):
    name = "reintegration"
    verbose_name = _("Travel and reintegration")

    def ready(self) -> None:
        # The case page links to the travel plan; a withdrawal cancels a journey not yet
        # made; IOM Finland's home page lists journeys with incidents. Referrals knows
        # nothing of this app: each joins a list or signal that referrals keeps.
        from referrals.queues import register_queue
        from referrals.services import case_withdrawn
        from referrals.views import register_case_link

        from . import queues, services, views

        register_case_link(views.case_link)
        register_queue(queues.incidents)
        case_withdrawn.connect(services.cancel_on_withdrawal, dispatch_uid="travel-withdrawal")
