"""Demo journeys for `make run`: one being planned (for the approved demo case, with one
travel document still missing), one under way (in transit) and one made (reintegration).
Fictional people and flights only."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ampcase.accounts.models import User
from referrals.models import Case, CaseState

from .models import FlightSegment, TravelDocument, TravelPlan
from .services import travellers

PLAN_STATES = {
    CaseState.APPROVED: "planning",
    CaseState.IN_TRANSIT: "departed",
    CaseState.REINTEGRATION: "arrived",
}
# Stockholm to Lagos through Amsterdam.
FLIGHTS = [
    ("KL1110", "ARN", "AMS", 0, (6, 55), (9, 10), True),
    ("KL587", "AMS", "LOS", 0, (10, 25), (17, 0), False),
]


@transaction.atomic
def seed() -> int:
    if TravelPlan.objects.filter(case__referral_note__startswith="[demo]").exists():
        return 0
    iom = User.objects.get(username="iom.caseworker")
    made = 0
    for case in Case.objects.filter(
        referral_note__startswith="[demo]", state__in=list(PLAN_STATES)
    ):
        state = PLAN_STATES[case.state]
        day = timezone.localdate() + dt.timedelta(days=14 if state == "planning" else -3)
        plan = TravelPlan.objects.create(
            case=case,
            created_by=iom,
            escort_needed=False,
            reception="IOM Lagos meets the traveller at arrivals, sign 'Welcome, IOM'.",
            onward_transport="IOM car to the shelter in Benin City.",
        )
        for number, origin, destination, offset, leaves, lands, assist in FLIGHTS:
            FlightSegment.objects.create(
                plan=plan,
                flight_number=number,
                from_airport=origin,
                to_airport=destination,
                departs_on=day + dt.timedelta(days=offset),
                departs_at=dt.time(*leaves),
                arrives_on=day + dt.timedelta(days=offset),
                arrives_at=dt.time(*lands),
                assistance_on_arrival=assist,
            )
        people = travellers(case)
        # While planning, the child's document is still missing: the page shows what is left.
        documented = people[:1] if state == "planning" else people
        for person in documented:
            TravelDocument.objects.create(
                plan=plan,
                person=person,
                kind="emergency",
                number=f"NGA-ETD-{person.pk:06d}",
                valid_until=timezone.localdate() + dt.timedelta(days=120),
            )
        if state != "planning":
            plan.book(by=iom)
            plan.depart()
            if state == "arrived":
                plan.arrive()
            plan.save()
        made += 1
    return made
