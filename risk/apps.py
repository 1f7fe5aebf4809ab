from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk assessment")

    def ready(self) -> None:
        # Submission to IOM Finland needs a completed risk table and, for every child, both
        # assessments: the check joins the one list referrals keeps.
        from referrals.events import register_event_labels
        from referrals.services import register_submission_check
        from referrals.views import register_case_link

        from .services import submission_problems
        from .views import case_link

        register_submission_check(
            submission_problems, _("Risk table completed, and both assessments for every child")
        )
        register_case_link(case_link)
        register_event_labels(
            {
                "risk_table.created": _("started a version of the risk table"),
                "risk_row.added": _("added a risk"),
                "risk_row.changed": _("changed a risk"),
                "risk_row.deleted": _("removed a risk"),
                "risk_table.completed": _("completed and signed the risk table"),
                "child_assessment.saved": _("saved a child's assessment"),
            }
        )
