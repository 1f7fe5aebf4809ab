"""What each of referrals' timeline entries says, in words ("approved the return"). Registered
in `apps.py` with `registry.event_labels`, as every app registers the words of its own."""

from django.utils.translation import gettext_lazy as _

# The case's own entries that another app's step writes beside its own (the journey's
# departure and arrival move the case): the timeline shows that step once.
WRITTEN_WITH_ANOTHER_STEP = frozenset({"case.departed", "case.arrived"})

EVENT_LABELS: dict[str, str] = {
    "case.referred": _("logged the referral"),
    "case.screening_started": _("started screening"),
    "case.eligible": _("found the person eligible"),
    "case.ineligible": _("found the person not eligible"),
    "case.screening_reopened": _("reopened the screening"),
    "consent.given": _("recorded consent"),
    "consent.withdrawn": _("recorded a withdrawal of consent"),
    "case.consultation_shared": _("shared the case with IOM Finland for a consultation"),
    "application.created": _("saved the application"),
    "application.changed": _("saved the application"),
    "case.submitted": _("submitted the case to IOM Finland"),
    "case.changes_requested": _("asked for changes"),
    "case.approved": _("approved the return"),
    "case.rejected": _("rejected the application"),
    "case.withdrawn": _("recorded that the returnee withdrew"),
    "case.social_worker_assigned": _("assigned a social worker"),
    "case.social_worker_removed": _("removed the social worker"),
    "case.transferred": _("transferred the case"),
    "document.uploaded": _("uploaded a document"),
    "person.created": _("added a person"),
    "person.changed": _("changed personal details"),
    "case.departed": _("recorded that the returnee left Sweden"),
    "case.arrived": _("recorded that the returnee arrived"),
    "case.closed": _("closed the case"),
    "case.reopened": _("reopened the case"),
}
