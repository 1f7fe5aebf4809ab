"""Demo journeys, made through the travel services: one being planned (for the approved demo
case, with the child's travel document still missing), one under way (in transit) and one
made (reintegration). Fictional people and flights only. Called by `ampcase/demo.py`."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from referrals.models import Case, CaseState

from .services import travel as services

# By destination: (flight, from, to, departure and arrival as (hour, minute), assistance at
# the arrival airport). Stockholm to Lagos through Amsterdam; to Bucharest direct.
FLIGHTS = {
    "NG": [
        ("KL1110", "ARN", "AMS", (6, 55), (9, 10), True),
        ("KL587", "AMS", "LOS", (10, 25), (17, 0), False),
    ],
    "RO": [("RO312", "ARN", "OTP", (7, 5), (10, 45), False)],
}


def travel(case: Case, *, to: str, iom) -> None:
    """Plan the journey of an approved case and take it as far as `to` (a case state): still
    planning while approved, departed while in transit, arrived for reintegration. A journey
    under way or made leaves today; one being planned, in two weeks."""
    under_way = to != CaseState.APPROVED
    day = timezone.localdate() + dt.timedelta(days=0 if under_way else 14)
    services.start_plan(
        case,
        by=iom,
        escort_needed=False,
        escort="",
        reception="IOM meets the traveller at arrivals, sign 'Welcome, IOM'.",
        onward_transport="IOM car to the shelter.",
        notes="",
    )
    for number, origin, destination, leaves, lands, assist in FLIGHTS[case.destination_country]:
        services.save_flight(
            case,
            by=iom,
            flight_number=number,
            from_airport=origin,
            to_airport=destination,
            departs_on=day,
            departs_at=dt.time(*leaves),
            arrives_on=day,
            arrives_at=dt.time(*lands),
            assistance_on_arrival=assist,
        )
    people = services.travellers(case)
    # While planning, the child's document is still missing: the page shows what is left.
    for person in people if under_way else people[:1]:
        services.save_travel_document(
            case,
            by=iom,
            person=person,
            kind="emergency",
            number=f"ETD-{person.pk:06d}",
            valid_until=day + dt.timedelta(days=120),
        )
    if not under_way:
        return
    services.book(case, by=iom)
    services.record_departure(case, by=iom)
    if to == CaseState.REINTEGRATION:
        services.record_arrival(case, by=iom)
