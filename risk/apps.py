import re

from django.apps import AppConfig
from django.urls import reverse
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

        registry.submission_check(
            _("Risk table completed, and both assessments for every child"),
            lambda case: reverse("risk:table", args=[case.uuid]),
            _("Complete the risk table"),
        )(submission_problems)
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
        registry.event_details(
            {
                action: version_detail
                for action in (
                    "risk_table.created",
                    "risk_row.added",
                    "risk_row.changed",
                    "risk_row.deleted",
                    "risk_table.completed",
                )
            }
        )


# The risk table's entries store "v2" or "v2, level 3" (the version, and the overall level
# of a completed one): shown as words in the reader's language.
VERSION_NOTE = re.compile(r"^v(?P<version>\d+)(?:, level (?P<level>\d*))?$")


def version_detail(params: dict, note: str) -> tuple[str, str]:
    from referrals.models import RiskLevel

    match = VERSION_NOTE.match(note)
    if match is None:
        return "", note
    what = _("version %(version)s") % {"version": match["version"]}
    level = match["level"]
    if level and int(level) in RiskLevel.values:
        what = _("version %(version)s, risk level %(level)s") % {
            "version": match["version"],
            "level": str(RiskLevel(int(level)).label).lower(),
        }
    return str(what), ""
