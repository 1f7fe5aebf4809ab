"""The HTCDS 2.0 export for IOM Finland: schema, consent, pseudonymisation, validation, cost."""

import datetime as dt
import html
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ampcase.audit.models import AuditEvent
from ampcase.statistics import htcds, schema
from referrals.models import (
    Case,
    CaseState,
    Consent,
    ConsentPurpose,
    EligibilityAssessment,
    Person,
)
from tests.conftest import sign_in
from tests.factories import add_consent, make_case, make_ready_to_submit, region

pytestmark = pytest.mark.django_db

URL = reverse("statistics:htcds-export")


def _full_case(**fields) -> Case:
    """A closed case with everything the export reads: eligibility with forms of
    exploitation, a returnee with nationality and date of birth, a phone, an identity
    document, an accompanying child and consent to statistics."""
    case = make_ready_to_submit(
        make_case(
            CaseState.CLOSED,
            given_name="Zinaida",
            family_name="Quarterman",
            date_of_birth=dt.date(1993, 7, 14),
            outcome_note="Zinaida moved in with her aunt Abigail.",
            **fields,
        )
    )
    EligibilityAssessment.objects.filter(case=case).update(
        basis=EligibilityAssessment.Basis.TRAFFICKING_IDENTIFIED,
        exploitation=["sexual", "begging", "criminality"],
    )
    Person.objects.filter(case=case).update(
        phone="+46701234567", identity_document="passport XY9876543"
    )
    Person.objects.create(
        case=case,
        relation=Person.Relation.CHILD,
        given_name="Bartholomew",
        family_name="Quarterman",
        date_of_birth=dt.date(2019, 3, 9),
        nationality="NG",
    )
    add_consent(case, ConsentPurpose.STATISTICS)
    return case


def _download(user) -> tuple[dict, object]:
    response = sign_in(Client(), user).get(URL)
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content), response


# The schema.


def test_the_committed_schema_is_what_the_command_derives():
    assert schema.committed_schema() == htcds.derived_schema()
    call_command("htcds_schema", "--check")


def test_the_command_writes_the_schema_and_check_finds_a_stale_one(tmp_path, monkeypatch):
    from django.core.management import CommandError

    target = tmp_path / "schema.json"
    monkeypatch.setattr(schema, "SCHEMA_FILE", target)
    call_command("htcds_schema")
    assert json.loads(target.read_text(encoding="utf-8")) == htcds.derived_schema()
    target.write_text(target.read_text(encoding="utf-8").replace("Closed", "Shut"))
    with pytest.raises(CommandError, match="out of date"):
        call_command("htcds_schema", "--check")


def test_the_schema_attributes_iom_and_takes_picklists_from_the_field_list():
    derived = htcds.derived_schema()
    assert schema.ATTRIBUTION in derived["description"]
    assert "CC BY 4.0" in derived["$comment"] and "no endorsement" in derived["$comment"]
    record = derived["$defs"]["record"]["properties"]
    assert record["cas_Status"]["enum"] == ["Active", "FollowUp", "Closed", "ClosedReferred"]
    assert "SexualExploitation" in record["vic_TypeOfExploitation"]["items"]["enum"]
    assert record["con_Consent"]["type"] == "boolean"


def test_an_unknown_field_cannot_enter_the_schema():
    with pytest.raises(ValueError, match="prs_ShoeSize"):
        schema.build_schema(["prs_ShoeSize"], [])


# The export.


def test_a_full_case_exports_and_validates(iom_caseworker):
    case = _full_case()
    document, response = _download(iom_caseworker)
    assert document["attribution"] == schema.ATTRIBUTION
    assert document["records"] == [
        {
            "prs_Birthdate": "1993",
            "prs_Citizenship": ["NG"],
            "prs_MailingCountry": "NG",
            "vic_AgreementToManagePersonalData": True,
            "vic_TraffickingStatus": "ActualVictimOfTrafficking",
            "vic_TypeOfExploitation": ["ForcedBegging", "Other", "SexualExploitation"],
            "cas_Status": "Closed",
            "cas_IncomingReferralDate": htcds.year_month(case.created_at),
            "cas_ReasonForCaseClosure": "Reintegration completed",
            "spl_ActualEndDate": htcds.year_month(case.closed_at),
            "con_Consent": True,
        }
    ]
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="amp-htcds-2.0-{today}.json"'


def test_the_output_holds_no_names_birth_dates_phones_or_identity_numbers(iom_caseworker):
    case = _full_case()
    _document, response = _download(iom_caseworker)
    text = response.content.decode()
    for secret in (
        "Zinaida",
        "Quarterman",
        "Bartholomew",
        "Abigail",
        "1993-07",
        "07-14",
        "2019",
        "701234567",
        "XY9876543",
        case.reference,
        str(case.uuid),
        case.pseudonym,
    ):
        assert secret not in text, secret
    assert "Zinaida" not in response["Content-Disposition"]


def test_the_export_is_audited_with_its_count_only(iom_approver):
    _full_case()
    _full_case()
    _download(iom_approver)
    event = AuditEvent.objects.get(action="statistics.htcds_exported")
    assert event.summary == "records=2"
    assert event.actor == iom_approver


def test_without_consent_to_statistics_a_case_is_not_exported(iom_caseworker):
    case = _full_case()
    other = make_ready_to_submit(make_case(CaseState.SUBMITTED))  # consent to IOM Finland only
    assert not Consent.objects.filter(case=other, purpose=ConsentPurpose.STATISTICS).exists()
    document, _response = _download(iom_caseworker)
    assert len(document["records"]) == 1
    assert [c.pk for c in htcds.consenting_cases(iom_caseworker)] == [case.pk]


def test_a_withdrawal_leaves_the_case_out_of_the_next_export(iom_caseworker):
    _full_case()
    kept = _full_case()
    withdrawn = _full_case()
    assert len(_download(iom_caseworker)[0]["records"]) == 3
    add_consent(withdrawn, ConsentPurpose.STATISTICS, given=False)
    assert [c.pk for c in htcds.consenting_cases(iom_caseworker)][1] == kept.pk
    assert len(_download(iom_caseworker)[0]["records"]) == 2
    # Consent given again after the withdrawal holds again: the latest entry decides.
    add_consent(withdrawn, ConsentPurpose.STATISTICS)
    assert len(_download(iom_caseworker)[0]["records"]) == 3


def test_only_cases_iom_finland_sees_are_exported(iom_caseworker):
    # Consent to statistics, but never shared with IOM Finland (still being prepared).
    case = make_case(CaseState.PREPARING)
    add_consent(case, ConsentPurpose.STATISTICS)
    assert _download(iom_caseworker)[0]["records"] == []


def test_a_broken_record_fails_with_the_case_and_the_field(iom_caseworker, monkeypatch):
    case = _full_case()
    original = htcds.record

    def broken(exported):
        fields = original(exported)
        fields["cas_Status"] = "Sleeping"
        return fields

    monkeypatch.setattr(htcds, "record", broken)
    response = sign_in(Client(), iom_caseworker).get(URL)
    assert response.status_code == 500
    assert "Content-Disposition" not in response
    message = response.context["message"]
    assert case.reference in message and "cas_Status" in message and "Sleeping" in message
    assert html.escape(message) in response.content.decode()
    assert AuditEvent.objects.filter(action="statistics.htcds_export_failed").exists()
    assert not AuditEvent.objects.filter(action="statistics.htcds_exported").exists()


def test_a_field_outside_the_schema_fails_naming_it(iom_caseworker, monkeypatch):
    case = _full_case()
    original = htcds.record
    monkeypatch.setattr(htcds, "record", lambda c: {**original(c), "prs_FirstName": "Zinaida"})
    expected = f"Case {case.reference}: HTCDS field prs_FirstName"
    with pytest.raises(htcds.ExportError, match=expected):
        htcds.export(iom_caseworker)


def test_a_case_with_little_data_still_validates(iom_caseworker):
    case = make_case(CaseState.SUBMITTED, date_of_birth=None, destination_country="")
    add_consent(case)
    add_consent(case, ConsentPurpose.STATISTICS)
    document, _count = htcds.export(iom_caseworker)
    assert document["records"] == [
        {
            "vic_AgreementToManagePersonalData": True,
            "cas_Status": "Active",
            "cas_IncomingReferralDate": htcds.year_month(case.created_at),
            "con_Consent": True,
        }
    ]


@pytest.mark.parametrize(
    ("state", "status"),
    [
        (CaseState.SUBMITTED, "Active"),
        (CaseState.IN_TRANSIT, "Active"),
        (CaseState.REINTEGRATION, "FollowUp"),
        (CaseState.CLOSED, "Closed"),
        (CaseState.WITHDRAWN, "Closed"),
        (CaseState.REJECTED, "Closed"),
    ],
)
def test_case_status(state, status):
    assert htcds.case_status(state) == status


# Who may download it.


@pytest.mark.parametrize(
    "persona",
    [
        "stockholm_coordinator",
        "social_worker",
        "nigeria_office",
        "referrer",
        "national_coordinator",
        "administrator",
    ],
)
def test_nobody_but_iom_finland_may_export(request, persona):
    user = request.getfixturevalue(persona)
    _full_case()
    response = sign_in(Client(), user).get(URL)
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="statistics.htcds_exported").exists()


def test_iom_finland_home_page_links_the_export(
    iom_caseworker, iom_approver, stockholm_coordinator
):
    assert URL in sign_in(Client(), iom_caseworker).get(reverse("home")).content.decode()
    assert URL in sign_in(Client(), iom_approver).get(reverse("home")).content.decode()
    assert URL not in sign_in(Client(), stockholm_coordinator).get(reverse("home")).content.decode()


def test_the_home_page_offers_the_export_to_whoever_may_export(stockholm_coordinator, monkeypatch):
    # One list of exporters: the home page asks the view's rule rather than naming roles again.
    from ampcase.accounts.roles import Role
    from ampcase.statistics import views

    monkeypatch.setattr(views, "EXPORTERS", frozenset({Role.REGION_COORDINATOR}))
    assert URL in sign_in(Client(), stockholm_coordinator).get(reverse("home")).content.decode()


# Cost.


def _bulk_consenting_cases(count: int, referrer, recorder) -> None:
    """`count` submitted Stockholm cases shared with IOM Finland, each with a returnee, an
    assessment and consent to statistics, in a few statements."""
    from django.contrib.auth.models import Permission

    from ampcase.accounts.scopes import iom_finland_group
    from referrals.models import CaseGroupObjectPermission

    cases = Case.objects.bulk_create(
        Case(
            reference=Case.allocate_reference(),
            pseudonym="P",
            region=region("stockholm"),
            state=CaseState.SUBMITTED,
            submitted_at=timezone.now(),
            destination_country="NG",
            referred_by=referrer,
            referring_organisation=referrer.organisation,
        )
        for _ in range(count)
    )
    Person.objects.bulk_create(
        Person(
            case=case,
            relation="returnee",
            given_name="Åsa",
            family_name="Öberg",
            date_of_birth=dt.date(1990, 1, 1),
            nationality="NG",
        )
        for case in cases
    )
    EligibilityAssessment.objects.bulk_create(
        EligibilityAssessment(
            case=case,
            basis=EligibilityAssessment.Basis.TRAFFICKING_PRESUMED,
            exploitation=["forced_labour"],
            wants_voluntary_return=True,
            destination=EligibilityAssessment.Destination.ORIGIN,
            assessed_by=recorder,
        )
        for case in cases
    )
    Consent.objects.bulk_create(
        Consent(
            case=case,
            purpose=ConsentPurpose.STATISTICS,
            given=True,
            decided_on=dt.date(2026, 11, 2),
            method=Consent.Method.WRITTEN,
            recorded_by=recorder,
        )
        for case in cases
    )
    view = Permission.objects.get(content_type__app_label="referrals", codename="view_case")
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(content_object=case, group=iom_finland_group(), permission=view)
        for case in cases
    )


def test_the_export_costs_the_same_for_10_or_1000_cases(
    iom_caseworker, referrer, stockholm_coordinator
):
    client = sign_in(Client(), iom_caseworker)
    _bulk_consenting_cases(10, referrer, stockholm_coordinator)
    client.get(URL)  # the first request of a process looks up the permission ids once
    with CaptureQueriesContext(connection) as few:
        assert len(json.loads(client.get(URL).content)["records"]) == 10
    _bulk_consenting_cases(990, referrer, stockholm_coordinator)
    with CaptureQueriesContext(connection) as many:
        assert len(json.loads(client.get(URL).content)["records"]) == 1000
    assert len(few) == len(many)


def test_the_first_broken_record_is_named_among_several(iom_caseworker, monkeypatch):
    cases = [_full_case() for _ in range(3)]
    original = htcds.record

    def broken(case):
        fields = original(case)
        if case.pk != cases[0].pk:
            fields["vic_TypeOfExploitation"] = ["Sleeping"]
            fields["prs_Birthdate"] = "1993-07-14-x"
        return fields

    monkeypatch.setattr(htcds, "record", broken)
    with pytest.raises(htcds.ExportError) as raised:
        htcds.export(iom_caseworker)
    assert str(raised.value).startswith(f"Case {cases[1].reference}: HTCDS field ")


def test_the_demo_data_exports_and_validates(settings, tmp_path):
    """`make run`'s demo: every case IOM Finland sees with consent to statistics is exported
    and fits the schema; the demo returnee who did not consent is left out."""
    from ampcase.accounts.models import User

    settings.DOCUMENT_ROOT = tmp_path
    call_command("seed_demo", "--force")
    iom = User.objects.get(username="iom.caseworker")
    document, response = _download(iom)
    seen = htcds.consenting_cases(iom)
    assert len(document["records"]) == seen.count() >= 7
    assert not seen.filter(people__given_name="Elena").exists()
    closed = [r for r in document["records"] if r.get("cas_ReasonForCaseClosure")]
    assert {r["cas_ReasonForCaseClosure"] for r in closed} == {
        "Reintegration completed",
        "Never travelled",
    }
    text = response.content.decode()
    for person in Person.objects.all():  # as words: "Stan" is in "Standard"
        for name in (person.given_name, person.family_name):
            assert not re.search(rf"\b{re.escape(name)}\b", text), name
