"""Demo cases for `make run`: who they are, and the referrals part of their way through the
programme, made through the services as the people of the programme would. Fictional people
only. The whole walk, across the apps, is `ampcase/demo.py`."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from pypdf import PdfWriter

from ampcase.accounts.models import Region
from ampcase.lib.documents import ValidatedDocument

from . import services
from .models import Case, CaseState, ConsentPurpose, Document

S = CaseState
DEMO_NOTE = "[demo] Fictional person for trying the system."


class Spec:
    """One demo case: the state it is walked to, who the returnee is, and, for a case whose
    story lies in the past, how many months ago it arrived (and how it ended)."""

    def __init__(
        self,
        state,
        given,
        family,
        born,
        country,
        child=None,
        months_ago=0,
        outcome="",
        statistics=True,
    ):
        self.state, self.given, self.family, self.born = state, given, family, born
        self.country, self.child = country, child
        self.months_ago, self.outcome = months_ago, outcome
        # Consent to the use of the data for statistics and research (the HTCDS export).
        self.statistics = statistics


# One case in every state, and a few more lives after arrival.
CASES = [
    Spec(S.REFERRED, "Ioana", "Popescu", dt.date(1998, 3, 14), "RO"),
    Spec(S.SCREENING, "Blessing", "Okoro", dt.date(2001, 7, 2), "NG"),
    Spec(S.INELIGIBLE, "Maria", "Ionescu", dt.date(1990, 11, 23), "RO"),
    Spec(S.PREPARING, "Joy", "Eze", dt.date(1996, 1, 30), "NG"),
    # Did not consent to statistics: left out of the HTCDS export.
    Spec(S.SUBMITTED, "Elena", "Dumitru", dt.date(1993, 5, 9), "RO", statistics=False),
    Spec(S.APPROVED, "Grace", "Adeyemi", dt.date(1999, 9, 17), "NG", child="Daniel"),
    Spec(S.REJECTED, "Ana", "Stan", dt.date(1988, 2, 4), "RO"),
    Spec(S.IN_TRANSIT, "Faith", "Nwosu", dt.date(1997, 12, 1), "NG"),
    Spec(S.REINTEGRATION, "Esther", "Obi", dt.date(2000, 6, 21), "NG"),
    Spec(S.WITHDRAWN, "Mihaela", "Georgescu", dt.date(1995, 10, 12), "RO"),
    # Arrived five months ago: three contacts done (one reporting a threat), one overdue.
    Spec(S.REINTEGRATION, "Chioma", "Nwankwo", dt.date(1994, 4, 11), "NG", months_ago=5),
    # Arrived eight months ago, followed up for six months and closed.
    Spec(
        S.CLOSED, "Precious", "Ike", dt.date(1992, 8, 30), "NG", months_ago=8, outcome="completed"
    ),
    # Approved, but the journey was cancelled: closed without travelling.
    Spec(S.CLOSED, "Roxana", "Marin", dt.date(1991, 2, 14), "RO", outcome="never_travelled"),
]
# The states a case passes on its way to each state, after the application is prepared.
SUBMITTED_OR_LATER = {
    S.SUBMITTED,
    S.APPROVED,
    S.REJECTED,
    S.IN_TRANSIT,
    S.REINTEGRATION,
    S.CLOSED,
}
APPROVED_OR_LATER = {S.APPROVED, S.IN_TRANSIT, S.REINTEGRATION, S.CLOSED}
INTERPRETER = "Demo Tolk (engelska)"


def exists() -> bool:
    return Case.objects.filter(referral_note=DEMO_NOTE).exists()


def a_pdf() -> ValidatedDocument:
    """A one-page PDF standing for a signed paper form."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return ValidatedDocument.from_content(buffer.getvalue(), "application/pdf")


def refer(spec: Spec, *, referrer, coordinator, social_worker) -> Case:
    """From the first contact as far as referrals alone takes the case: referred, screening,
    not eligible, withdrawn, or an application ready but for the risk part."""
    today = timezone.localdate()
    case = services.log_referral(
        by=referrer,
        region=Region.objects.get(code="stockholm"),
        given_name=spec.given,
        family_name=spec.family,
        date_of_birth=spec.born,
        nationality=spec.country,
        languages="English",
        referral_note=DEMO_NOTE,
        consent_on=today,
        consent_method="written",
    )
    if spec.state == S.WITHDRAWN:
        return services.withdraw_case(
            case, by=coordinator, on=today, reason="Wants to stay in Sweden for now."
        )
    if spec.state == S.REFERRED:
        return case
    case = services.start_screening(case, by=coordinator)
    if spec.state == S.SCREENING:
        return case
    services.assess_eligibility(
        case,
        by=coordinator,
        basis="trafficking_presumed",
        exploitation=["sexual"],
        wants_voluntary_return=spec.state != S.INELIGIBLE,
        destination="origin",
    )
    if spec.state == S.INELIGIBLE:
        return case
    purposes = [ConsentPurpose.IOM_FINLAND, ConsentPurpose.IOM_DESTINATION]
    if spec.statistics:
        purposes.append(ConsentPurpose.STATISTICS)
    for purpose in purposes:
        services.record_consent(
            case,
            by=coordinator,
            purpose=purpose,
            given=True,
            decided_on=today,
            method="written",
            interpreter=INTERPRETER,
        )
    if spec.child:
        services.save_person(
            case,
            by=coordinator,
            given_name=spec.child,
            family_name=spec.family,
            date_of_birth=dt.date(2021, 4, 5),
            nationality=spec.country,
        )
    services.save_application(
        case,
        by=coordinator,
        destination_country=spec.country,
        destination_kind="origin",
        needs_travel_document=True,
        reintegration_wishes="Vocational training as a hairdresser.",
        interpreter=INTERPRETER,
        voluntary_declaration=True,
        declaration_signed_on=today,
    )
    services.add_document(
        case, by=coordinator, kind=Document.Kind.SIGNED_APPLICATION, document=a_pdf()
    )
    if spec.state == S.PREPARING:
        services.assign_social_worker(case, by=coordinator, social_worker=social_worker)
    case.refresh_from_db()
    return case


def decide(case: Case, spec: Spec, *, coordinator, iom) -> Case:
    """Submit the prepared case and, for the later states, decide it."""
    case = services.submit_case(case, by=coordinator)
    if spec.state == S.REJECTED:
        return services.reject_case(case, by=iom, reason="Not voluntary.")
    if spec.state in APPROVED_OR_LATER:
        return services.approve_case(case, by=iom)
    return case
