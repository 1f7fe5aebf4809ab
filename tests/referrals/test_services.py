"""The case services: each transition's conditions, permissions, audit and grants."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import translation

from ampcase.audit.models import AuditEvent
from referrals import registry, services
from referrals.grants import cases_for
from referrals.models import Case, CaseEvent, CaseState, ConsentPurpose, Decision
from referrals.permissions import case_perms, forget_perms
from tests.factories import add_consent, make_case, make_ready_to_submit, region

pytestmark = pytest.mark.django_db


def log(referrer, **overrides):
    fields = {
        "by": referrer,
        "region": region("stockholm"),
        "given_name": "Åsa",
        "family_name": "Öberg",
        "date_of_birth": dt.date(1995, 4, 1),
        "consent_on": dt.date(2026, 11, 20),
        "consent_method": "written",
    }
    return services.log_referral(**{**fields, **overrides})


def perms(user, case):
    forget_perms(user)
    return case_perms(user, case)


def test_referral_gets_a_reference_of_the_year_and_a_pseudonym(referrer):
    case = log(referrer)
    year = case.created_at.year
    assert case.reference.startswith(f"ÅMP-{year}-")
    assert case.pseudonym and "Åsa" not in case.pseudonym
    assert case.state == CaseState.REFERRED


def test_references_count_up_within_a_year():
    first = Case.allocate_reference(2031)
    second = Case.allocate_reference(2031)
    assert (first, second) == ("ÅMP-2031-0001", "ÅMP-2031-0002")
    assert Case.allocate_reference(2032) == "ÅMP-2032-0001"


def test_referral_goes_to_the_regions_coordinators_and_no_other(
    referrer, stockholm_coordinator, syd_coordinator
):
    case = log(referrer)
    assert perms(stockholm_coordinator, case) == {"view_case", "view_identity", "work_case"}
    assert perms(syd_coordinator, case) == frozenset()
    assert list(cases_for(stockholm_coordinator)) == [case]
    assert list(cases_for(syd_coordinator)) == []


def test_referrer_sees_only_the_status_of_their_referral(referrer):
    case = log(referrer)
    assert perms(referrer, case) == {"view_status"}
    assert list(cases_for(referrer, "view_status")) == [case]


def test_referral_is_audited_and_on_the_timeline(referrer):
    case = log(referrer)
    assert AuditEvent.objects.filter(action="case.referred", object_id=str(case.pk)).exists()
    assert CaseEvent.objects.get(case=case).action == "case.referred"


def test_people_without_a_referring_role_cannot_log_referrals(iom_caseworker):
    with pytest.raises(PermissionDenied):
        log(iom_caseworker)


def test_coordinator_starts_screening(stockholm_coordinator):
    case = services.start_screening(make_case(), by=stockholm_coordinator)
    assert case.state == CaseState.SCREENING
    event = AuditEvent.objects.get(action="case.screening_started")
    assert event.actor == stockholm_coordinator
    assert event.summary == "referred -> screening"


def test_coordinator_of_another_region_cannot_start_screening(syd_coordinator):
    case = make_case()
    with pytest.raises(PermissionDenied):
        services.start_screening(case, by=syd_coordinator)
    case.refresh_from_db()
    assert case.state == CaseState.REFERRED


def test_transition_from_the_wrong_state_is_refused_with_the_current_state(
    stockholm_coordinator,
):
    case = make_case(CaseState.PREPARING)
    with (
        translation.override("en"),
        pytest.raises(services.CaseError, match="The case is now “Preparing application”"),
    ):
        services.start_screening(case, by=stockholm_coordinator)


def test_eligible_screening_moves_the_case_to_preparing(stockholm_coordinator):
    case = make_case(CaseState.SCREENING)
    assessment = services.assess_eligibility(
        case,
        by=stockholm_coordinator,
        basis="prostitution",
        wants_voluntary_return=True,
        destination="origin",
    )
    assert assessment.is_eligible
    case.refresh_from_db()
    assert case.state == CaseState.PREPARING


def test_screening_without_voluntary_return_makes_the_case_ineligible_with_reasons(
    stockholm_coordinator,
):
    case = make_case(CaseState.SCREENING)
    assessment = services.assess_eligibility(
        case,
        by=stockholm_coordinator,
        basis="trafficking_identified",
        wants_voluntary_return=False,
        destination="origin",
    )
    with translation.override("en"):
        reasons = [str(reason) for reason in assessment.reasons_not_eligible()]
    assert reasons == ["The person does not want to return voluntarily."]
    case.refresh_from_db()
    assert case.state == CaseState.INELIGIBLE
    # A final state: the coordinators keep reading it, but no longer work on it.
    assert perms(stockholm_coordinator, case) == {"view_case", "view_identity"}


def test_submission_lists_exactly_what_is_missing(stockholm_coordinator):
    case = make_case(CaseState.PREPARING, destination_country="")
    with translation.override("en"), pytest.raises(services.CaseError) as error:
        services.submit_case(case, by=stockholm_coordinator)
    assert error.value.problems == [
        "The eligibility screening has not been passed.",
        "There is no consent to share the case with IOM Finland.",
        "The application has not been filled in.",
        "The signed application has not been uploaded.",
        "The risk table has not been completed.",
    ]
    case.refresh_from_db()
    assert case.state == CaseState.PREPARING


def test_submission_without_interpreter_or_own_language_is_refused(stockholm_coordinator):
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    case.application.interpreter = ""
    case.application.save()
    with translation.override("en"), pytest.raises(services.CaseError) as error:
        services.submit_case(case, by=stockholm_coordinator)
    assert error.value.problems == [
        "The application was not filled in the returnee's language and no authorised "
        "interpreter is recorded."
    ]


def test_complete_case_is_submitted_and_iom_gets_it(stockholm_coordinator, iom_caseworker):
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    assert perms(iom_caseworker, case) == frozenset()
    case = services.submit_case(case, by=stockholm_coordinator)
    assert case.state == CaseState.SUBMITTED
    assert case.submitted_by == stockholm_coordinator
    assert perms(iom_caseworker, case) == {"view_case", "view_identity", "decide_case"}


def test_registered_checks_take_part_in_the_submission(stockholm_coordinator, monkeypatch):
    def risk_table_missing(case):
        return ["risk table missing"]

    monkeypatch.setattr(registry, "_SUBMISSION_CHECKS", list(registry._SUBMISSION_CHECKS))
    registry.submission_check("a registered check")(risk_table_missing)
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    with pytest.raises(services.CaseError) as error:
        services.submit_case(case, by=stockholm_coordinator)
    assert error.value.problems == ["risk table missing"]


def test_iom_asks_for_changes_and_the_case_goes_back_to_preparing(
    stockholm_coordinator, iom_caseworker
):
    case = make_case(CaseState.SUBMITTED)
    case = services.request_changes(case, by=iom_caseworker, message="Bifoga passkopian.")
    assert case.state == CaseState.PREPARING
    assert Decision.objects.get(case=case).outcome == Decision.Outcome.CHANGES_REQUESTED
    assert "decide_case" not in perms(iom_caseworker, case)


def test_approval_records_both_names_and_dates(iom_caseworker):
    # Submitted at 00:30 on 21 November in Stockholm, which is still the 20th in UTC.
    with time_machine.travel(dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.UTC), tick=False):
        case = make_case(CaseState.SUBMITTED)
    approved_at = dt.datetime(2026, 11, 23, 10, 15, tzinfo=dt.UTC)
    with time_machine.travel(approved_at, tick=False):
        case = services.approve_case(case, by=iom_caseworker)
    decision = Decision.objects.get(case=case)
    assert case.state == CaseState.APPROVED
    assert decision.coordinator == case.submitted_by
    assert decision.iom_user == iom_caseworker
    assert (decision.coordinator_on, decision.decided_at) == (dt.date(2026, 11, 21), approved_at)


def test_approval_brings_in_the_destination_country_office(iom_caseworker, nigeria_office):
    case = make_case(CaseState.SUBMITTED, destination_country="NG")
    add_consent(case, ConsentPurpose.IOM_DESTINATION)
    services.approve_case(case, by=iom_caseworker)
    assert perms(nigeria_office, case) == {"view_case", "view_identity"}


def test_rejection_needs_a_reason(iom_caseworker):
    case = make_case(CaseState.SUBMITTED)
    with pytest.raises(services.CaseError):
        services.reject_case(case, by=iom_caseworker, reason=" ")
    case = services.reject_case(case, by=iom_caseworker, reason="Inte frivilligt.")
    assert case.state == CaseState.REJECTED


def test_approver_cannot_decide_a_case(iom_approver):
    case = make_case(CaseState.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.approve_case(case, by=iom_approver)


def test_coordinator_cannot_approve_their_own_submission(stockholm_coordinator):
    case = make_case(CaseState.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.approve_case(case, by=stockholm_coordinator)


def test_consultation_shows_iom_the_pseudonym_only(stockholm_coordinator, iom_caseworker):
    case = services.share_for_consultation(make_case(), by=stockholm_coordinator)
    assert perms(iom_caseworker, case) == {"view_case"}


def test_consent_to_share_with_iom_reveals_identity_and_withdrawal_hides_it(
    stockholm_coordinator, iom_caseworker
):
    case = services.share_for_consultation(make_case(), by=stockholm_coordinator)
    consent = {"decided_on": dt.date(2026, 11, 21), "method": "written"}
    services.record_consent(
        case, by=stockholm_coordinator, purpose="iom_finland", given=True, **consent
    )
    assert "view_identity" in perms(iom_caseworker, case)
    services.record_consent(
        case, by=stockholm_coordinator, purpose="iom_finland", given=False, **consent
    )
    assert perms(iom_caseworker, case) == {"view_case"}
    assert AuditEvent.objects.filter(action="consent.withdrawn").exists()


def test_withdrawal_records_date_and_reason(stockholm_coordinator):
    case = make_case(CaseState.PREPARING)
    case = services.withdraw_case(
        case, by=stockholm_coordinator, on=dt.date(2026, 11, 22), reason="Vill stanna."
    )
    assert case.state == CaseState.WITHDRAWN
    assert case.withdrawn_on == dt.date(2026, 11, 22)
    assert "work_case" not in perms(stockholm_coordinator, case)


def test_withdrawal_date_cannot_be_in_the_future(stockholm_coordinator):
    case = make_case(CaseState.PREPARING)
    with pytest.raises(services.CaseError):
        services.withdraw_case(case, by=stockholm_coordinator, on=dt.date(2999, 1, 1), reason="x")


@pytest.mark.parametrize("state", [CaseState.INELIGIBLE, CaseState.REJECTED])
def test_final_cases_cannot_be_withdrawn(stockholm_coordinator, state):
    case = make_case(state)
    # The coordinator still reads the case: the refusal says why, it is not a 403.
    with translation.override("en"), pytest.raises(services.CaseError, match="The case is now"):
        services.withdraw_case(case, by=stockholm_coordinator, on=dt.date(2026, 11, 1), reason="x")
    case.refresh_from_db()
    assert case.state == state


def test_assigned_social_worker_gets_that_case_alone(
    stockholm_coordinator, social_worker, other_social_worker
):
    case, other = make_case(), make_case()
    services.assign_social_worker(case, by=stockholm_coordinator, social_worker=social_worker)
    assert list(cases_for(social_worker)) == [case]
    assert perms(social_worker, other) == frozenset()
    assert perms(other_social_worker, case) == frozenset()
    services.assign_social_worker(case, by=stockholm_coordinator, social_worker=None)
    assert list(cases_for(social_worker)) == []


def test_only_a_social_worker_can_be_assigned(stockholm_coordinator, referrer):
    with pytest.raises(services.CaseError):
        services.assign_social_worker(make_case(), by=stockholm_coordinator, social_worker=referrer)


def test_transfer_moves_access_to_the_other_region(stockholm_coordinator, syd_coordinator):
    case = make_case()
    services.transfer_case(
        case, by=stockholm_coordinator, region=region("syd"), reason="Flyttar till Malmö."
    )
    assert list(cases_for(syd_coordinator)) == [case]
    assert list(cases_for(stockholm_coordinator)) == []


def test_coordinator_moved_to_another_region_loses_the_old_cases(
    stockholm_coordinator, syd_coordinator
):
    case = make_case()
    assert list(cases_for(stockholm_coordinator)) == [case]
    stockholm_coordinator.organisation = syd_coordinator.organisation
    stockholm_coordinator.save()
    assert list(cases_for(stockholm_coordinator)) == []


def test_state_cannot_be_assigned_directly():
    case = make_case()
    with pytest.raises(AttributeError):
        case.state = CaseState.APPROVED


def test_superuser_gets_no_case_content_by_default(db):
    from ampcase.accounts.models import User

    root = User.objects.create(username="root", is_superuser=True, is_staff=True)
    make_case()
    assert list(cases_for(root)) == []


@pytest.mark.parametrize("ending", ["rejected", "withdrawn"])
def test_consent_can_be_withdrawn_after_the_case_ended(
    stockholm_coordinator, iom_caseworker, ending
):
    case = make_case(CaseState.SUBMITTED)
    add_consent(case)
    if ending == "rejected":
        case = services.reject_case(case, by=iom_caseworker, reason="Inte frivilligt.")
    else:
        case = services.withdraw_case(
            case, by=stockholm_coordinator, on=dt.date(2026, 11, 22), reason="Stannar."
        )
    assert "view_identity" in perms(iom_caseworker, case)
    services.record_consent(
        case,
        by=stockholm_coordinator,
        purpose="iom_finland",
        given=False,
        decided_on=dt.date(2026, 11, 22),
        method="written",
    )
    assert "view_identity" not in perms(iom_caseworker, case)


def test_consent_cannot_be_given_on_an_ended_case(stockholm_coordinator):
    case = make_case(CaseState.REJECTED)
    with pytest.raises(services.CaseError):
        services.record_consent(
            case,
            by=stockholm_coordinator,
            purpose="iom_finland",
            given=True,
            decided_on=dt.date(2026, 11, 22),
            method="written",
        )


def test_refused_transition_leaves_an_audited_denial(syd_coordinator):
    case = make_case()
    with pytest.raises(PermissionDenied):
        services.start_screening(case, by=syd_coordinator)
    assert AuditEvent.objects.filter(
        action="access.denied", object_id=str(case.pk), actor=syd_coordinator
    ).exists()


def test_consent_for_several_purposes_is_saved_whole_or_not_at_all(stockholm_coordinator):
    from django.db import IntegrityError

    from referrals.models import Consent

    case = make_case(CaseState.SCREENING)
    before = Consent.objects.filter(case=case).count()
    # The second purpose breaks the ledger's check constraint after the first row is written.
    with pytest.raises(IntegrityError):
        services.record_consents(
            case,
            by=stockholm_coordinator,
            purposes=["iom_finland", "no_such_purpose"],
            given=True,
            decided_on=dt.date(2026, 11, 20),
            method="written",
        )
    assert Consent.objects.filter(case=case).count() == before


def test_consent_for_several_purposes_is_one_timeline_entry_each(stockholm_coordinator):
    case = make_case(CaseState.SCREENING)
    before = case.events.filter(action="consent.given").count()
    entries = services.record_consents(
        case,
        by=stockholm_coordinator,
        purposes=["iom_finland", "iom_destination", "iom_finland"],
        given=True,
        decided_on=dt.date(2026, 11, 20),
        method="oral",
    )
    assert [entry.purpose for entry in entries] == ["iom_finland", "iom_destination"]
    events = case.events.filter(action="consent.given").order_by("id")
    assert [event.params["purpose"] for event in events[before:]] == [
        "iom_finland",
        "iom_destination",
    ]
