from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReintegrationConfig(AppConfig):
    name = "reintegration"
    verbose_name = _("Travel and reintegration")

    def ready(self) -> None:
        # The case page links to the travel plan; a withdrawal cancels a journey not yet
        # made; IOM Finland's home page lists journeys with incidents. Referrals knows
        # nothing of this app: each joins a list or signal that referrals keeps.
        from referrals.events import register_event_labels
        from referrals.queues import register_queue
        from referrals.services import case_withdrawn
        from referrals.views import register_case_link

        from . import queues, services, views

        register_case_link(views.case_link)
        register_event_labels(
            {
                "travel.planned": _("started a travel plan"),
                "travel.changed": _("changed the travel plan"),
                "travel.flight_added": _("added a flight"),
                "travel.flight_changed": _("changed a flight"),
                "travel.flight_removed": _("removed a flight"),
                "travel.document_saved": _("recorded a travel document"),
                "travel.booked": _("marked the journey as booked"),
                "travel.reopened": _("reopened the booking for changes"),
                "travel.departed": _("recorded the departure"),
                "travel.arrived": _("recorded the arrival"),
                "travel.cancelled": _("cancelled the journey"),
                "travel.incident": _("reported an incident on the journey"),
            }
        )
        register_queue(queues.incidents)
        case_withdrawn.connect(services.cancel_on_withdrawal, dispatch_uid="travel-withdrawal")
