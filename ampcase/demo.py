"""The demo cases for `make run`: one case in every state the services can reach, each walked
there through the services of every app, as the people of the programme would (a referral, the
screening, consent, the application, the risk table, the decision, the journey, the
reintegration payments, the follow-up, the closing). Fictional people only. Running it again
changes nothing."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.db import transaction
from django.utils import timezone

from ampcase.accounts.models import User
from referrals import demo as cases
from referrals import services
from reintegration import demo as journeys
from risk import demo as risk_tables


@transaction.atomic
def seed() -> int:
    """Create the demo cases once (the demo users must exist). Returns how many were made."""
    if cases.exists():
        return 0
    people = {
        user.username: user
        for user in User.objects.filter(
            username__in=[
                "referrer",
                "coordinator",
                "socialworker",
                "iom.caseworker",
                "iom.approver",
                "iom.nigeria",
            ]
        )
    }
    iom = people["iom.caseworker"]
    contracts = journeys.providers(iom=iom)
    for spec in cases.CASES:
        # A case whose story lies in the past is walked through the services with the clock
        # set back to its start (time-machine, installed by `make run`), so that its
        # timeline, its arrival and its follow-up dates are those of a real past.
        with _months_ago(spec.months_ago):
            case = _walk(spec, people, contracts)
        if spec.months_ago:
            journeys.follow_ups(
                case,
                office=people["iom.nigeria"],
                done=6 if spec.state == cases.S.CLOSED else 3,
                threat_in=None if spec.state == cases.S.CLOSED else 2,
            )
        if spec.state == cases.S.CLOSED and spec.months_ago:
            services.close_case(
                case, by=iom, outcome=spec.outcome, note="Works as a hairdresser in Lagos."
            )
        elif spec.state == cases.S.CLOSED:
            journeys.close_after_cancelled_journey(case, iom=iom)
    return len(cases.CASES)


HISTORY_CASES = 600


def seed_history() -> int:
    """Some years of made-up cases beside the demo ones (the benchmarks' generator, a few
    seconds on SQLite), so that the statistics show some figures and hide others. Once."""
    from ampcase.bench import generate

    if generate.generated_cases_exist():
        return 0
    generate.generate(HISTORY_CASES, seed=2026, users=30)
    return HISTORY_CASES


def _months_ago(months: int):
    if not months:
        return contextlib.nullcontext()
    import time_machine

    return time_machine.travel(timezone.now() - dt.timedelta(days=30 * months), tick=True)


def _walk(spec, people, contracts):
    """Through the services, from the referral to the state `spec` asks for (for a closed
    case: to where it is closed from)."""
    coordinator, iom = people["coordinator"], people["iom.caseworker"]
    case = cases.refer(
        spec,
        referrer=people["referrer"],
        coordinator=coordinator,
        social_worker=people["socialworker"],
    )
    if spec.state == cases.S.PREPARING:
        risk_tables.assess(case, by=coordinator, complete=False)
    if spec.state in cases.SUBMITTED_OR_LATER:
        risk_tables.assess(case, by=coordinator, complete=True)
        case = cases.decide(case, spec, coordinator=coordinator, iom=iom)
    if spec.state in cases.APPROVED_OR_LATER:
        to = cases.S.REINTEGRATION if spec.months_ago else spec.state
        journeys.travel(
            case,
            to=cases.S.APPROVED if spec.state == cases.S.CLOSED and not spec.months_ago else to,
            iom=iom,
        )
    if spec.state == cases.S.REINTEGRATION and not spec.months_ago:
        journeys.payments(
            case,
            contracts=contracts,
            office=people["iom.nigeria"],
            approver=people["iom.approver"],
        )
    case.refresh_from_db()
    return case
