from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk assessment")

    def ready(self) -> None:
        # What the risk app adds to the case root, through referrals' registry: a condition
        # of submission (a completed risk table and, for every child, both assessments), the
        # case page's link, and the words of its timeline entries.
        from referrals import registry

        from .services import submission_problems
        from .views import case_link

        registry.submission_check(_("Risk table completed, and both assessments for every child"))(
            submission_problems
        )
        registry.case_link(case_link)
        registry.risk_reading(case_link)
        registry.event_labels(
            {
                "risk_table.created": _("started a version of the risk table"),
                "risk_row.added": _("added a risk"),
                "risk_row.changed": _("changed a risk"),
                "risk_row.deleted": _("removed a risk"),
                "risk_table.completed": _("completed and signed the risk table"),
                "child_assessment.saved": _("saved a child's assessment"),
            }
        )
