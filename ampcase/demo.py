"""The demo cases for `make run`: one case in every state the services can reach, each walked
there through the services of every app, as the people of the programme would (a referral, the
screening, consent, the application, the risk table, the decision, the journey, the
reintegration payments). Fictional people only. Running it again changes nothing."""

from __future__ import annotations

from django.db import transaction

from ampcase.accounts.models import User
from referrals import demo as cases
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
    coordinator, iom = people["coordinator"], people["iom.caseworker"]
    contracts = journeys.providers(iom=iom)
    for spec in cases.CASES:
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
            journeys.travel(case, to=spec.state, iom=iom)
        if spec.state == cases.S.REINTEGRATION:
            journeys.payments(
                case,
                contracts=contracts,
                office=people["iom.nigeria"],
                approver=people["iom.approver"],
            )
    return len(cases.CASES)
