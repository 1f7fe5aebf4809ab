from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReintegrationConfig(AppConfig):
    name = "reintegration"
    verbose_name = _("Travel and reintegration")

    def ready(self) -> None:
        # What this app adds to the case root, through referrals' registry: the case page's
        # link to the travel plan, the words of its timeline entries, IOM Finland's queue of
        # journeys with incidents, and the cancellation of a journey not yet made when the
        # returnee withdraws.
        from referrals import registry

        from . import queues
        from .services import travel
        from .views import travel as travel_views

        registry.case_link(travel_views.case_link)
        registry.event_labels(
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
        registry.queue(queues.incidents)
        registry.case_withdrawn.connect(
            travel.cancel_on_withdrawal, dispatch_uid="travel-withdrawal"
        )
