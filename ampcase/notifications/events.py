"""Which change tells whom: each hand-off of a case and the people who must act on it.

`on_changes` is the registry's change listener (see `referrals.registry`): a service's
changes arrive at its end, inside its transaction, once the case's object permissions are in
line with the change. Recipients are asked of the database with the rules permissions use
(`referrals.grants.holders`: who holds the permission on the case now), narrowed by role; the
one who made the change is not told of it.

| change | kind | who |
| --- | --- | --- |
| a new referral | referred | the region's coordinators |
| submission | submitted, or resubmitted after changes were asked | IOM Finland's caseworkers |
| approval | approved | the region's coordinators |
| approval | approved_for_travel | IOM Finland's caseworkers |
| approval | approved_for_reception | the destination's country office |
| rejection, changes asked | rejected, changes_requested | the region's coordinators |
| departure | departed | the destination's country office |
| an incident on the journey | incident | the region's coordinators and IOM Finland's caseworkers |
| a risk table completed and signed | risk_table_completed | the region's coordinators |
| a payment requested | payment_requested | IOM Finland's approvers |
| a payment approved | payment_approved | the destination's country office |
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, QuerySet

from ampcase.accounts.roles import Role
from referrals import grants
from referrals.models import Case, Decision
from referrals.permissions import DECIDE, IDENTITY, VIEW
from referrals.registry import Change

from .kinds import Kind
from .services import notify


def with_role(users: QuerySet, *roles: str) -> QuerySet:
    """`users` narrowed to those holding one of `roles` (one row each)."""
    return users.filter(Exists(Group.objects.filter(user=OuterRef("pk"), name__in=roles)))


def coordinators(case: Case) -> QuerySet:
    """The region's coordinators: they see the case through their region (ended cases too)."""
    return with_role(grants.holders(case, VIEW), Role.REGION_COORDINATOR)


def deciders(case: Case) -> QuerySet:
    """IOM Finland's caseworkers who may decide the case now (`permissions.can_decide`)."""
    return with_role(grants.holders(case, DECIDE), Role.IOM_CASEWORKER)


def iom_caseworkers(case: Case) -> QuerySet:
    return with_role(grants.holders(case, VIEW), Role.IOM_CASEWORKER)


def country_office(case: Case) -> QuerySet:
    """The destination's IOM office: it sees the case from the approval on."""
    return with_role(grants.holders(case, VIEW), Role.COUNTRY_OFFICE)


def coordinators_and_iom(case: Case) -> QuerySet:
    return with_role(grants.holders(case, VIEW), Role.REGION_COORDINATOR, Role.IOM_CASEWORKER)


def approvers(case: Case) -> QuerySet:
    """IOM Finland's approvers who may decide a payment of the case (they need to see who is
    paid: `reintegration.permissions.can_decide_payment`)."""
    return with_role(grants.holders(case, IDENTITY), Role.IOM_APPROVER)


def paying_office(case: Case) -> QuerySet:
    """The destination's office that pays out (`reintegration.permissions.can_keep_accounts`)."""
    return with_role(grants.holders(case, IDENTITY), Role.COUNTRY_OFFICE)


def _arrival(case: Case) -> dict:
    """Where and when the returnee is expected (the departed journey's last flight, in the
    local time at the airport): codes and times, nothing personal."""
    from reintegration.models import TravelPlan, TravelState

    plan = TravelPlan.objects.filter(case=case, state=TravelState.DEPARTED).order_by("-id").first()
    last = plan.first_and_last_flight()[1] if plan is not None else None
    if last is None:
        return {}
    return {
        "flight": last.flight_number,
        "airport": last.to_airport,
        "lands": f"{last.arrives_on.isoformat()} {last.arrives_at:%H:%M}",
    }


def _submission(case: Case) -> str:
    asked = case.decisions.filter(outcome=Decision.Outcome.CHANGES_REQUESTED).exists()
    return Kind.RESUBMITTED if asked else Kind.SUBMITTED


Audience = Callable[[Case], QuerySet]
# By timeline action: (the kind, or a function of the case giving it; who is told), and the
# params a kind carries (a function of the case; codes only, worded at display time).
RULES: dict[str, list[tuple[str | Callable[[Case], str], Audience]]] = {
    "case.referred": [(Kind.REFERRED, coordinators)],
    "case.submitted": [(_submission, deciders)],
    "case.approved": [
        (Kind.APPROVED, coordinators),
        (Kind.APPROVED_FOR_TRAVEL, iom_caseworkers),
        (Kind.APPROVED_FOR_RECEPTION, country_office),
    ],
    "case.rejected": [(Kind.REJECTED, coordinators)],
    "case.changes_requested": [(Kind.CHANGES_REQUESTED, coordinators)],
    "travel.departed": [(Kind.DEPARTED, country_office)],
    "travel.incident": [(Kind.INCIDENT, coordinators_and_iom)],
    "risk_table.completed": [(Kind.RISK_TABLE_COMPLETED, coordinators)],
    "payment.requested": [(Kind.PAYMENT_REQUESTED, approvers)],
    "payment.approved": [(Kind.PAYMENT_APPROVED, paying_office)],
}


PARAMS: dict[str, Callable[[Case], dict]] = {Kind.DEPARTED: _arrival}


def on_changes(changes: list[Change]) -> None:
    for change in changes:
        for kind, audience in RULES.get(change.action, []):
            case = change.case
            code = kind(case) if callable(kind) else kind
            recipients = audience(case)
            if change.by is not None:
                recipients = recipients.exclude(pk=change.by.pk)
            params = PARAMS[code](case) if code in PARAMS else {}
            notify(case, code, recipients, params)
