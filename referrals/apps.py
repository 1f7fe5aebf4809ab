from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks, events, queues, registry, timeline
        from .grants import forget_permission_ids

        post_migrate.connect(forget_permission_ids, dispatch_uid="referrals_forget_perm_ids")
        # Referrals adds its own conditions, words and queues the way every other app adds
        # theirs: through the registry. Apps are ready in INSTALLED_APPS order, so the case
        # root's submission conditions come first in the task list.
        for label, check, link, action in checks.SUBMISSION_CHECKS:
            registry.submission_check(label, link, action)(check)
        registry.event_labels(events.EVENT_LABELS)
        registry.event_details(timeline.DETAILS)
        registry.queue(queues.case_queues)
