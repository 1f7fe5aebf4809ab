"""Referrals' work queues for the home page ("My work"): what needs each person now.

Each queue is one query with a fixed limit, whatever the number of cases. Cases that are
withdrawn, rejected, ineligible or closed are in no queue (the withdrawn list of the month is
a record, not work). Registered in `apps.py`; the home page reads every app's queues through
`registry.queues_for`.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ampcase.accounts.roles import Role
from ampcase.lib import fsm

from .grants import cases_for
from .models import FINAL_STATES, Case, CaseState, Decision
from .permissions import DECIDE, STATUS, WORK
from .registry import Queue

LIMIT = 10


def oldest(queryset) -> list:
    """The first cases of a queue: the longest untouched first."""
    return list(queryset.select_related("region").order_by("updated_at", "id")[:LIMIT])


def _last_changes_asked() -> Subquery:
    """When IOM Finland last asked for changes to the case (None if it never did): in the
    queue's own query."""
    asked = Decision.objects.filter(
        case=OuterRef("pk"), outcome=Decision.Outcome.CHANGES_REQUESTED
    ).order_by("-decided_at", "-id")
    return Subquery(asked.values("decided_at")[:1])


def _resubmissions(cases: list) -> dict:
    """A submission that answers IOM Finland's request for changes says so beside it."""
    return {
        case.pk: _("resubmitted after changes asked on %(date)s")
        % {"date": timezone.localtime(case.changes_asked_at).date().isoformat()}
        for case in cases
        if case.changes_asked_at is not None
    }


def case_queues(user) -> list[Queue]:
    queues: list[Queue] = []
    if user.has_role(Role.REGION_COORDINATOR):
        work = cases_for(user, WORK)
        first_of_month = timezone.localdate().replace(day=1)
        queues += [
            Queue(
                "new",
                _("New referrals"),
                oldest(work.filter(state=CaseState.REFERRED)),
                _("No new referrals."),
            ),
            Queue(
                "screening",
                _("Screening to do"),
                oldest(work.filter(state=CaseState.SCREENING)),
                _("No screening to do."),
            ),
            Queue(
                "returned",
                _("Returned by IOM Finland for changes"),
                oldest(work.filter(state=CaseState.PREPARING, submitted_at__isnull=False)),
                _("Nothing returned."),
            ),
            Queue(
                "preparing",
                _("Applications being prepared"),
                oldest(work.filter(state=CaseState.PREPARING, submitted_at__isnull=True)),
                _("No applications in preparation."),
            ),
            Queue(
                "withdrawn",
                _("Withdrawn this month"),
                oldest(
                    cases_for(user).filter(
                        state=CaseState.WITHDRAWN, withdrawn_on__gte=first_of_month
                    )
                ),
                _("No withdrawals this month."),
            ),
        ]
    if user.has_role(Role.SOCIAL_WORKER):
        queues.append(
            Queue(
                "assigned",
                _("My assigned cases"),
                oldest(cases_for(user).filter(social_worker=user).exclude(state__in=FINAL_STATES)),
                _("No cases are assigned to you."),
            )
        )
    if user.has_role(Role.IOM_CASEWORKER):
        review = oldest(cases_for(user, DECIDE).annotate(changes_asked_at=_last_changes_asked()))
        queues += [
            Queue(
                "review",
                _("Submissions to review"),
                review,
                _("No submissions to review."),
                notes=_resubmissions(review),
            ),
            Queue(
                "approved",
                _("Approved cases to plan travel for"),
                oldest(cases_for(user).filter(state__in=fsm.sources(Case.depart))),
                _("No approved cases waiting."),
            ),
        ]
    if user.has_role(Role.REFERRER):
        queues.append(
            Queue(
                "referrals",
                _("My latest referrals"),
                list(
                    cases_for(user, STATUS)
                    .select_related("region")
                    .order_by("-created_at", "-id")[:LIMIT]
                ),
                _("You have not logged any referral yet."),
            )
        )
    return queues


def state_counts(user) -> list[tuple[str, int]]:
    """(state label, number) of the cases a coordinator works on or worked on."""
    if not user.has_role(Role.REGION_COORDINATOR):
        return []
    rows = dict(cases_for(user).order_by().values_list("state").annotate(n=Count("id")))
    return [(label, rows[value]) for value, label in CaseState.choices if value in rows]
