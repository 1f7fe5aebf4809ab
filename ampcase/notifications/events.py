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
| a follow-up contact overdue (the worker, once each) | follow_up_overdue | the destination's |
| | | country office and IOM Finland's caseworkers |
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from ampcase.accounts.roles import Role
from referrals import grants
from referrals.models import Case, Decision
from referrals.permissions import DECIDE, IDENTITY, VIEW
from referrals.registry import Change

from .kinds import Kind
from .models import Notification
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


# Changes no one makes: a follow-up contact whose day passed. The worker looks once a pass.


def follow_up_readers(case: Case) -> QuerySet:
    """Those who read what a follow-up found (`reintegration.permissions.can_read_follow_ups`):
    the destination's office and IOM Finland's caseworkers, each seeing the identity."""
    return with_role(grants.holders(case, IDENTITY), Role.COUNTRY_OFFICE, Role.IOM_CASEWORKER)


def follow_ups_overdue(now: datetime | None = None) -> int:
    """Tell of every follow-up contact of a case in reintegration whose day has passed in the
    destination's time zone, once per contact (a notification of it on the case, for its
    month, means it was told). Contacts another worker is telling of are skipped. Returns how
    many contacts were told."""
    from reintegration.models import FollowUp
    from reintegration.services.followup import country_zone
    from reintegration.services.support import SUPPORT_STATES

    now = now or timezone.now()
    # The month as text on both sides: PostgreSQL compares no jsonb with an integer.
    told = (
        Notification.objects.filter(case=OuterRef("case"), kind=Kind.FOLLOW_UP_OVERDUE)
        .annotate(told_month=KT("params__month"))
        .filter(told_month=Cast(OuterRef("month"), CharField()))
    )
    open_contacts = FollowUp.objects.filter(
        case__state__in=SUPPORT_STATES, done_on__isnull=True
    ).exclude(Exists(told))
    countries = set(
        open_contacts.order_by().values_list("case__destination_country", flat=True).distinct()
    )
    overdue = Q(pk__in=[])
    for code in countries:
        today = now.astimezone(country_zone(code)).date()
        overdue |= Q(case__destination_country=code, due_on__lt=today)
    with transaction.atomic():
        late = list(
            open_contacts.filter(overdue)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("case")
            .order_by("due_on", "id")
        )
        for follow_up in late:
            notify(
                follow_up.case,
                Kind.FOLLOW_UP_OVERDUE,
                follow_up_readers(follow_up.case),
                {"month": follow_up.month, "due": follow_up.due_on.isoformat()},
            )
    return len(late)
