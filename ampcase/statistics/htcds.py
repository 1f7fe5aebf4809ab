"""The HTCDS 2.0 export for IOM: one pseudonymised record a consenting returnee.

Which cases: those IOM Finland sees (`cases_for`) whose returnee's latest ledger entry for
`ConsentPurpose.STATISTICS` gives consent; a withdrawal leaves the case out of every later
export. What a record holds, and why each ÅMP field maps where it does: docs/htcds-mapping.md.

Pseudonymised: no name, contact detail, identity number, free text or case reference; the
year of birth, never the date; other dates as year and month only. A full date of referral or
closing, with the year of birth, nationality and destination, could single out a returnee of
a programme that counts tens of cases a year; the month is what trends over time need.

Accompanying children are not records of their own: HTCDS records victims of trafficking,
and ÅMP assesses only the returnee as one (the children's data would also make a family
easy to recognise).

Every export is validated against the committed schema before it is offered
(`validate`): a record that does not fit fails with the case reference and the field.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone, translation
from jsonschema import Draft202012Validator

from referrals.grants import cases_for
from referrals.models import (
    FINAL_STATES,
    Case,
    CaseOutcome,
    CaseState,
    Consent,
    ConsentPurpose,
    EligibilityAssessment,
    Exploitation,
    Person,
)

from . import schema

# The HTCDS fields the export fills, in the order of the schema.
EXPORTED_FIELDS = [
    "prs_Birthdate",
    "prs_Citizenship",
    "prs_MailingCountry",
    "vic_AgreementToManagePersonalData",
    "vic_TraffickingStatus",
    "vic_TypeOfExploitation",
    "cas_Status",
    "cas_IncomingReferralDate",
    "cas_ReasonForCaseClosure",
    "spl_ActualEndDate",
    "con_Consent",
]
REQUIRED_FIELDS = ["vic_AgreementToManagePersonalData", "cas_Status", "con_Consent"]

EXPLOITATION = {
    Exploitation.SEXUAL: "SexualExploitation",
    Exploitation.FORCED_LABOUR: "ForcedLabour",
    Exploitation.BEGGING: "ForcedBegging",
    Exploitation.ORGAN_REMOVAL: "OrganRemoval",
    # HTCDS has forced military service only by non-state actors, and no forced criminality.
    Exploitation.MILITARY: "Other",
    Exploitation.CRIMINALITY: "Other",
    Exploitation.OTHER: "Other",
}

TRAFFICKING_STATUS = {
    EligibilityAssessment.Basis.TRAFFICKING_IDENTIFIED: "ActualVictimOfTrafficking",
    EligibilityAssessment.Basis.TRAFFICKING_PRESUMED: "PossibleVictimOfTrafficking",
    # "In prostitution" says nothing of trafficking either way: the field is left out.
}


def case_status(state: str) -> str:
    if state in FINAL_STATES:
        return "Closed"
    if state == CaseState.REINTEGRATION:
        return "FollowUp"  # the six months of follow-up after arrival
    return "Active"


def year_month(moment: dt.datetime | dt.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment)
    return f"{moment.year:04d}-{moment.month:02d}"


def outcome_in_english(outcome: str) -> str:
    with translation.override("en"):
        return str(CaseOutcome(outcome).label)


def derived_schema() -> dict:
    return schema.build_schema(EXPORTED_FIELDS, REQUIRED_FIELDS)


class ExportError(Exception):
    """A record that does not fit the schema: the message names the case and the field."""


def consenting_cases(user) -> QuerySet[Case]:
    """The cases `user` sees whose returnee consents to statistics now, with everything a
    record needs in two queries whatever their number (the cases, then their returnees)."""
    latest = (
        Consent.objects.filter(case=OuterRef("pk"), purpose=ConsentPurpose.STATISTICS)
        .order_by("-recorded_at", "-id")
        .values("given")[:1]
    )
    return (
        cases_for(user)
        .annotate(statistics_consent=Subquery(latest))
        .filter(statistics_consent=True)
        .select_related("eligibility")
        .prefetch_related(
            Prefetch(
                "people",
                queryset=Person.objects.filter(relation=Person.Relation.RETURNEE),
                to_attr="returnees",
            )
        )
        .order_by("created_at", "id")
    )


def record(case: Case) -> dict:
    """The HTCDS record of one case (its returnee), without any field left empty."""
    returnee = case.returnees[0] if case.returnees else None
    eligibility = getattr(case, "eligibility", None)
    fields: dict = {
        "prs_Birthdate": (
            f"{returnee.date_of_birth.year:04d}" if returnee and returnee.date_of_birth else None
        ),
        "prs_Citizenship": [returnee.nationality.code]
        if returnee and returnee.nationality
        else None,
        "prs_MailingCountry": case.destination_country.code or None,
        "vic_AgreementToManagePersonalData": True,
        "vic_TraffickingStatus": TRAFFICKING_STATUS.get(eligibility.basis) if eligibility else None,
        "vic_TypeOfExploitation": (
            sorted({EXPLOITATION.get(form, form) for form in eligibility.exploitation}) or None
            if eligibility
            else None
        ),
        "cas_Status": case_status(case.state),
        "cas_IncomingReferralDate": year_month(case.created_at),
        # The outcome's name, never the caseworker's note on it (free text may name people);
        # in English whatever the language of the person exporting: IOM's data is English.
        "cas_ReasonForCaseClosure": (outcome_in_english(case.outcome) if case.outcome else None),
        "spl_ActualEndDate": year_month(case.closed_at),
        "con_Consent": True,
    }
    return {name: value for name, value in fields.items() if value is not None}


def _path_order(error) -> list[tuple[int, int | str]]:
    # Record numbers in number order; names and numbers never compared with each other.
    return [(0, step) if isinstance(step, int) else (1, step) for step in error.path]


def validate(document: dict, references: list[str]) -> None:
    """Raise `ExportError` naming the case reference and the field of the first record
    (in case order) that does not fit the committed schema. `references[i]` is the case of
    `document["records"][i]`."""
    validator = Draft202012Validator(schema.committed_schema())
    errors = sorted(validator.iter_errors(document), key=_path_order)
    if not errors:
        return
    error = errors[0]
    path = list(error.path)
    if len(path) >= 2 and path[0] == "records":
        record = document["records"][path[1]]
        if len(path) > 2:
            field = path[2]
        else:  # the record as a whole: a field it must not have, or one it lacks
            field = ", ".join(name for name in record if name not in EXPORTED_FIELDS) or "-"
        raise ExportError(
            f"Case {references[path[1]]}: HTCDS field {field} does not fit the schema: "
            f"{error.message}"
        )
    raise ExportError(f"The HTCDS export does not fit the schema: {error.message}")


def export(user, *, today: dt.date | None = None) -> tuple[dict, int]:
    """The validated export document of the cases `user` may export, and its record count."""
    cases = list(consenting_cases(user))
    document = {
        "standard": "HTCDS 2.0",
        "attribution": schema.ATTRIBUTION,
        "exported_on": (today or timezone.localdate()).isoformat(),
        "records": [record(case) for case in cases],
    }
    validate(document, [case.reference for case in cases])
    return document, len(cases)
