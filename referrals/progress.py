"""A referral's progress as its referrer hears it: where it has got to, in their words, and
what happens next.

The referrer may not see the case (`permissions.STATUS` only): this says no more than the
stage the referral has reached. It names no reason, no decision text, no person, and it does
not follow the returnee past the decision (a journey's dates are not the referrer's to know):
after an approval it says "decided" whatever happens next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ampcase.lib import fsm

from .models import Case, CaseState

S = CaseState


@dataclass(frozen=True)
class Stage:
    words: str  # the status in the referrer's words
    next: str  # what happens next


RECEIVED = Stage(
    _("Received by the coordinator"),
    _(
        "The region coordinator will contact the person to talk about a return home, and "
        "contacts you if anything is needed from you."
    ),
)
ASSESSED = Stage(
    _("Being assessed"),
    _(
        "The coordinator checks with the person whether the programme for a voluntary "
        "return can help them."
    ),
)
PREPARED = Stage(
    _("Application being prepared"),
    _(
        "The programme can help. The coordinator prepares the application to IOM Finland "
        "with the person."
    ),
)
SENT = Stage(
    _("Application sent to IOM Finland"),
    _("IOM Finland and the coordinator decide on the application together."),
)
APPROVED = Stage(
    _("Decided: return approved"),
    _(
        "IOM Finland arranges the journey and the support after it. Your part of the referral "
        "is done."
    ),
)
REJECTED = Stage(
    _("Decided: application rejected"),
    _(
        "The coordinator tells the person why. Nothing more is needed from you. If the "
        "person's situation changes, you can refer them again."
    ),
)
NOT_ELIGIBLE = Stage(
    _("Decided: the programme cannot help"),
    _(
        "The coordinator tells the person why. If you think something was missed, contact the "
        "coordinator."
    ),
)
WITHDRAWN = Stage(
    pgettext_lazy("referral status", "Withdrawn"),
    _("The person chose not to go on. They can ask for help again at any time."),
)

STAGES = {
    S.REFERRED: RECEIVED,
    S.SCREENING: ASSESSED,
    S.PREPARING: PREPARED,
    S.SUBMITTED: SENT,
    S.APPROVED: APPROVED,
    S.IN_TRANSIT: APPROVED,
    S.REINTEGRATION: APPROVED,
    S.CLOSED: APPROVED,
    S.REJECTED: REJECTED,
    S.INELIGIBLE: NOT_ELIGIBLE,
    S.WITHDRAWN: WITHDRAWN,
}


def stage(case: Case) -> Stage:
    return STAGES[case.state]


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    on: date | None = None


# Asked of the state machine, not listed again: the states before the coordinator's
# screening has an answer, and those before IOM Finland's decision (a withdrawal and a "not
# eligible" end the list before the latter is asked).
NOT_YET_ASSESSED = fsm.sources(Case.start_screening) | fsm.sources(Case.mark_eligible)
NOT_YET_DECIDED = fsm.upstream(Case.approve)


def steps(case: Case) -> list[Step]:
    """What has happened to the referral and what is still to come, in order. A withdrawal
    or a "not eligible" ends the list where it happened."""
    state = case.state
    sent_on = timezone.localdate(case.submitted_at) if case.submitted_at else None
    result = [Step(_("Received by the coordinator"), True, timezone.localdate(case.created_at))]
    if state == S.WITHDRAWN:
        if sent_on:
            result.append(Step(_("Application sent to IOM Finland"), True, sent_on))
        return [*result, Step(WITHDRAWN.words, True, case.withdrawn_on)]
    result.append(Step(_("Assessed by the coordinator"), state not in NOT_YET_ASSESSED))
    if state == S.INELIGIBLE:
        return [*result, Step(NOT_ELIGIBLE.words, True)]
    # An application sent back for changes is being prepared again: not sent for now.
    sent = sent_on is not None and state != S.PREPARING
    result.append(Step(_("Application sent to IOM Finland"), sent, sent_on if sent else None))
    if state not in NOT_YET_DECIDED:
        return [*result, Step(STAGES[state].words, True)]
    return [*result, Step(_("Decided"), False)]
