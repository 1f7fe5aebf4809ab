"""Demo cases, one or more in every state, for `make run`. Fictional people only."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ampcase.accounts.models import Region, User

from .models import (
    Application,
    Case,
    CaseEvent,
    CaseState,
    Consent,
    ConsentPurpose,
    Decision,
    EligibilityAssessment,
    Person,
)
from .permissions import sync_case_permissions

S = CaseState
# state, given name, family name, born, destination
CASES = [
    (S.REFERRED, "Ioana", "Popescu", dt.date(1998, 3, 14), "RO"),
    (S.SCREENING, "Blessing", "Okoro", dt.date(2001, 7, 2), "NG"),
    (S.INELIGIBLE, "Maria", "Ionescu", dt.date(1990, 11, 23), "RO"),
    (S.PREPARING, "Joy", "Eze", dt.date(1996, 1, 30), "NG"),
    (S.SUBMITTED, "Elena", "Dumitru", dt.date(1993, 5, 9), "RO"),
    (S.APPROVED, "Grace", "Adeyemi", dt.date(1999, 9, 17), "NG"),
    (S.REJECTED, "Ana", "Stan", dt.date(1988, 2, 4), "RO"),
    (S.IN_TRANSIT, "Faith", "Nwosu", dt.date(1997, 12, 1), "NG"),
    (S.REINTEGRATION, "Andreea", "Radu", dt.date(2000, 6, 21), "RO"),
    (S.CLOSED, "Esther", "Obi", dt.date(1994, 8, 8), "NG"),
    (S.WITHDRAWN, "Mihaela", "Georgescu", dt.date(1995, 10, 12), "RO"),
]
SUBMITTED_OR_LATER = {S.SUBMITTED, S.APPROVED, S.REJECTED, S.IN_TRANSIT, S.REINTEGRATION, S.CLOSED}
PREPARED = SUBMITTED_OR_LATER | {S.PREPARING}


@transaction.atomic
def seed() -> int:
    """Create the demo cases once; running again changes nothing."""
    if Case.objects.filter(referral_note__startswith="[demo]").exists():
        return 0
    referrer = User.objects.get(username="referrer")
    coordinator = User.objects.get(username="coordinator")
    iom = User.objects.get(username="iom.caseworker")
    social_worker = User.objects.get(username="socialworker")
    stockholm = Region.objects.get(code="stockholm")
    today = timezone.localdate()
    for index, (state, given, family, born, country) in enumerate(CASES):
        submitted = state in SUBMITTED_OR_LATER
        case = Case.objects.create(
            reference=Case.allocate_reference(),
            pseudonym=f"Returnee D{index + 1:02d}",
            region=stockholm,
            state=state,
            destination_country=country if state in PREPARED else "",
            referred_by=referrer,
            referring_organisation=referrer.organisation,
            referral_note="[demo] Fictional person for trying the system.",
            social_worker=social_worker if state == S.PREPARING else None,
            submitted_at=timezone.now() if submitted else None,
            submitted_by=coordinator if submitted else None,
            withdrawn_on=today if state == S.WITHDRAWN else None,
            withdrawal_reason="Wants to stay in Sweden for now." if state == S.WITHDRAWN else "",
        )
        Person.objects.create(
            case=case,
            relation="returnee",
            given_name=given,
            family_name=family,
            date_of_birth=born,
            nationality=country,
            languages="English",
        )
        if state == S.APPROVED:
            Person.objects.create(
                case=case,
                relation="child",
                given_name="Daniel",
                family_name=family,
                date_of_birth=dt.date(2021, 4, 5),
                nationality=country,
            )
        Consent.objects.create(
            case=case,
            purpose=ConsentPurpose.SWEDISH_AUTHORITIES,
            given=True,
            decided_on=today,
            method="written",
            recorded_by=referrer,
        )
        if state in PREPARED or state == S.INELIGIBLE:
            EligibilityAssessment.objects.create(
                case=case,
                basis="trafficking_presumed",
                wants_voluntary_return=state != S.INELIGIBLE,
                destination="origin",
                assessed_by=coordinator,
            )
        if state in PREPARED:
            for purpose in (ConsentPurpose.IOM_FINLAND, ConsentPurpose.IOM_DESTINATION):
                Consent.objects.create(
                    case=case,
                    purpose=purpose,
                    given=True,
                    decided_on=today,
                    method="written",
                    interpreter="Demo Tolk (engelska)",
                    recorded_by=coordinator,
                )
            Application.objects.create(
                case=case,
                destination_kind="origin",
                needs_travel_document=True,
                reintegration_wishes="Vocational training as a hairdresser.",
                interpreter="Demo Tolk (engelska)",
                voluntary_declaration=True,
                declaration_signed_on=today,
                updated_by=coordinator,
            )
        if state in SUBMITTED_OR_LATER - {S.SUBMITTED}:
            Decision.objects.create(
                case=case,
                outcome="rejected" if state == S.REJECTED else "approved",
                message="Not voluntary." if state == S.REJECTED else "",
                coordinator=coordinator,
                coordinator_on=today,
                iom_user=iom,
            )
        CaseEvent.objects.create(case=case, action="case.referred", actor=referrer)
        if state != S.REFERRED:
            CaseEvent.objects.create(
                case=case,
                action="case.screening_started",
                from_state=S.REFERRED,
                to_state=S.SCREENING,
                actor=coordinator,
            )
        sync_case_permissions(case)
    return len(CASES)
