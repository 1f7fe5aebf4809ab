"""Demo risk tables: completed for every demo case that was submitted, a draft for the one
being prepared. Fictional content only."""

from django.db import transaction

from ampcase.accounts.models import User
from referrals.models import Case, CaseState
from referrals.services import set_risk_level

from . import scale
from .models import RiskRow, RiskTable

SUBMITTED_OR_LATER = {
    CaseState.SUBMITTED,
    CaseState.APPROVED,
    CaseState.REJECTED,
    CaseState.IN_TRANSIT,
    CaseState.REINTEGRATION,
    CaseState.CLOSED,
}
ROWS = [
    (
        "home",
        "traffickers",
        "The network that recruited her operates in her home town.",
        3,
        4,
        "Reception at the airport; housing in another town.",
        "IOM country office",
    ),
    (
        "arrival",
        "stigma",
        "Neighbours may learn why she left.",
        2,
        2,
        "Agreed cover story; counselling.",
        "IOM country office",
    ),
    (
        "sweden",
        "health",
        "Needs medicine during the journey.",
        2,
        3,
        "Medicine for three months packed; escort informed.",
        "Social services",
    ),
]


@transaction.atomic
def seed() -> int:
    if RiskTable.objects.filter(case__referral_note__startswith="[demo]").exists():
        return 0
    coordinator = User.objects.get(username="coordinator")
    made = 0
    for case in Case.objects.filter(referral_note__startswith="[demo]"):
        if case.state not in SUBMITTED_OR_LATER | {CaseState.PREPARING}:
            continue
        table = RiskTable.objects.create(case=case, version=1, created_by=coordinator)
        RiskRow.objects.bulk_create(
            RiskRow(
                table=table,
                where=w,
                threat=t,
                description=d,
                likelihood=lik,
                impact=imp,
                mitigation=m,
                responsible=r,
            )
            for w, t, d, lik, imp, m, r in ROWS
        )
        if case.state in SUBMITTED_OR_LATER:
            table.complete(by=coordinator)
            table.save()
            set_risk_level(case, int(scale.overall(scale.level(r[3], r[4]) for r in ROWS)))
        made += 1
    return made
