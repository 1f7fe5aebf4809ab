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
        from django.db.models.signals import post_migrate

        from referrals import registry

        from . import queues
        from .services import followup, support, travel
        from .views import followup as followup_views
        from .views import support as support_views
        from .views import travel as travel_views

        registry.case_link(travel_views.case_link)
        registry.case_link(support_views.case_link)
        registry.case_link(followup_views.case_link)
        registry.event_labels(
            {
                "travel.planned": _("started a travel plan"),
                "travel.planned_again": _(
                    "started a new travel plan from the one that ended, with its documents"
                ),
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
                "support.plan_saved": _("saved the reintegration plan"),
                "support.child_share_granted": _("granted a child's share"),
                "support.child_share_refused": _("did not grant a child's share"),
                "payment.requested": _("asked for a payment"),
                "payment.approved": _("approved a payment"),
                "payment.rejected": _("rejected a payment"),
                "payment.sent_back": _("changed an approved payment, which needs approval again"),
                "payment.changed": _("changed a payment"),
                "payment.cancelled": _("cancelled a payment"),
                "payment.disbursed": _("recorded a disbursement"),
                "payment.reconciled": _("reconciled a payment"),
                "follow_up.added": _("planned a further follow-up contact"),
                "follow_up.recorded": _("recorded a follow-up contact"),
                "follow_up.changed": _("corrected a follow-up record"),
                "check.recorded": _("recorded a reintegration check"),
                "follow_up.threat_reported": _(
                    "reported signs of renewed exploitation or a threat"
                ),
            }
        )
        registry.event_details(
            {
                action: followup.month_detail
                for action in (
                    "follow_up.added",
                    "follow_up.recorded",
                    "follow_up.changed",
                    "follow_up.threat_reported",
                    "check.recorded",
                )
            }
        )
        # A test database's flush empties the tables the data migration filled: the
        # programme's first rates come back with the regions and roles (see accounts).
        post_migrate.connect(
            support.ensure_programme_rates, sender=self, dispatch_uid="programme-rates"
        )
        post_migrate.connect(followup.ensure_question_set, sender=self, dispatch_uid="question-set")
        registry.queue(queues.arrivals)
        registry.queue(queues.incidents)
        registry.queue(queues.follow_ups)
        registry.queue(queues.threats)
        registry.queue(queues.payments)
        # A case closes once its follow-up, payments and journey allow it.
        registry.closing_check(followup.follow_ups_done)
        registry.closing_check(followup.payments_settled)
        registry.closing_check(followup.journey_ended)
        registry.case_withdrawn.connect(
            travel.cancel_on_withdrawal, dispatch_uid="travel-withdrawal"
        )
