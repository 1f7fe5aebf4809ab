"""Demo journeys and reintegration support, made through the services: one journey being
planned (for the approved demo case, with the child's travel document still missing), one
under way (in transit) and one made (reintegration), whose case has payments in every state;
two providers in every destination country. Fictional people, flights and providers only.
Called by `ampcase/demo.py`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ampcase.lib.money import quantize
from referrals import services as case_services
from referrals.demo import a_pdf
from referrals.models import Case, CaseState

from . import question_sets
from .services import followup, support
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
    plan = services.book(case, by=iom)
    # The flights leave today: recorded as planned, or as of now where the plan lies ahead
    # (a departure or an arrival is never recorded in the future).
    now = timezone.now()
    departed = min(services.planned_departure(plan), now)
    services.record_departure(case, by=iom, at=departed)
    if to == CaseState.REINTEGRATION:
        arrived = max(min(services.planned_arrival(plan), now), departed)
        services.record_arrival(case, by=iom, at=arrived)


# Reintegration support: providers in every destination country, and payments in every state
# on the case that arrived.

PROVIDERS = {
    "NG": [
        ("Benin City Vocational Centre", "training", "Hairdressing and tailoring courses"),
        ("St. Mary's Clinic, Benin City", "clinic", "Medical care and counselling"),
    ],
    "RO": [
        ("Centrul de Formare Iași", "training", "Vocational training"),
        ("Clinica Sfânta Maria, București", "clinic", "Medical care"),
    ],
}
RATE = {"NG": Decimal("1550"), "RO": Decimal("4.6")}
CURRENCY = {"NG": "NGN", "RO": "RON"}


def providers(*, iom) -> dict[str, list]:
    """Two providers a country, each with a contract running for a year."""
    made = {}
    today = timezone.localdate()
    for country, entries in PROVIDERS.items():
        made[country] = []
        for name, kind, what in entries:
            provider = support.register_provider(by=iom, country=country, name=name, kind=kind)
            contract = support.add_contract(
                provider,
                by=iom,
                what=what,
                starts_on=today - dt.timedelta(days=30),
                ends_on=today + dt.timedelta(days=335),
                ceiling=Decimal("20000"),
            )
            made[country].append(contract)
    return made


def payments(case: Case, *, contracts, office, approver) -> None:
    """Payments in every state: reconciled, disbursed, approved, requested, rejected and
    cancelled, asked for by the country office and approved by IOM Finland's approver."""
    country = case.destination_country.code
    returnee = case.people.get(relation="returnee")
    training, clinic = contracts[country]

    def subsistence(month):
        return support.request_payment(
            case,
            by=office,
            beneficiary=returnee,
            category="subsistence",
            month=month,
            amount=Decimal("150"),
            payee="returnee",
            method="cash",
            description=f"Subsistence, month {month}",
        )

    def pay(payment):
        return support.disburse_payment(
            payment,
            by=office,
            on=timezone.localdate(),
            reference=f"CASH-{payment.pk:04d}",
            local_currency=CURRENCY[country],
            local_amount=quantize(payment.amount * RATE[country]),
            exchange_rate=RATE[country],
        )

    first = pay(support.approve_payment(subsistence(1), by=approver))
    support.attach_receipt(first, by=office, document=a_pdf())
    support.reconcile_payment(first, by=office)
    pay(support.approve_payment(subsistence(2), by=approver))
    support.approve_payment(subsistence(3), by=approver)
    subsistence(4)
    course = support.request_payment(
        case,
        by=office,
        beneficiary=returnee,
        category="grant",
        amount=Decimal("1200"),
        payee="provider",
        method="direct",
        provider=training.provider,
        contract=training,
        description="Hairdressing course, six months",
    )
    support.approve_payment(course, by=approver)
    support.cancel_payment(course, by=office, reason="The course was postponed to spring.")
    support.reject_payment(
        support.request_payment(
            case,
            by=office,
            beneficiary=returnee,
            category="medical",
            amount=Decimal("80"),
            payee="reimbursement",
            method="cash",
            description="Medicines",
        ),
        by=approver,
        reason="Please attach the pharmacy's receipt and ask again.",
    )
    support.request_payment(
        case,
        by=office,
        beneficiary=returnee,
        category="medical",
        amount=Decimal("120"),
        payee="provider",
        method="direct",
        provider=clinic.provider,
        contract=clinic,
        description="Counselling, four sessions",
    )
    support.save_plan(
        case,
        by=office,
        needs_and_goals="Safe housing away from the recruiters; an income of her own within "
        "a year; counselling.",
        services=["housing", "psychosocial", "vocational"],
    )


# Follow-up: contacts made in the past, each recorded on the day after it was due.

CONTACT = {
    "how": "visit",
    "housing": "Lives in the shelter; looking for a room.",
    "health": "Well; sees the counsellor every two weeks.",
    "income": "Follows the hairdressing course.",
    "safety": "Feels safe.",
    "support_received": "Subsistence; counselling.",
    "notes": "",
}


def follow_ups(case: Case, *, office, done: int, threat_in: int | None = None) -> None:
    """Record the contacts of months 1 to `done`, each the day after it was due (the clock
    set back to then); the one of month `threat_in` reports a threat."""
    import time_machine

    codes = [
        q.code for q in question_sets.parse(question_sets.read(question_sets.INTERIM)).questions
    ]
    arrived_on = case.support_plan.arrived_on
    with time_machine.travel(dt.datetime.combine(arrived_on, dt.time(11, 0), tzinfo=dt.UTC)):
        followup.record_check(
            case, by=office, done_on=arrived_on, answers=dict.fromkeys(codes, "partly")
        )
    for contact in case.follow_ups.filter(month__lte=done).order_by("month"):
        day = contact.due_on + dt.timedelta(days=1)
        moment = dt.datetime.combine(day, dt.time(11, 0), tzinfo=dt.UTC)
        threat = contact.month == threat_in
        fields = {
            **CONTACT,
            "safety": "A man from the old network asked neighbours about her."
            if threat
            else CONTACT["safety"],
        }
        with time_machine.travel(moment):
            recorded = followup.record_follow_up(
                contact, by=office, done_on=day, threat=threat, **fields
            )
            if contact.month == done:
                # A check at the last contact, beside the baseline: better, but not safe.
                better = {
                    **dict.fromkeys(codes, "mostly"),
                    "safety": "not_at_all" if threat_in else "fully",
                }
                followup.record_check(
                    case, by=office, done_on=day, answers=better, follow_up=recorded
                )


def close_after_cancelled_journey(case: Case, *, iom) -> None:
    """A journey planned, then cancelled; the case closed without travelling."""
    services.cancel(case, by=iom, reason="The returnee decided to stay with her sister.")
    case_services.close_case(
        case,
        by=iom,
        outcome="never_travelled",
        note="Stays in Sweden; knows she can ask again.",
    )
