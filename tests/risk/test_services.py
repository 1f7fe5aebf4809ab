"""The risk table's lifecycle, locking, permissions and the children's assessments."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import translation

from ampcase.audit.models import AuditEvent
from referrals import services as case_services
from referrals.models import Case, CaseState, Person
from risk import services
from risk.models import ChildAssessment, RiskRow, RiskTable, TableState
from risk.scale import Level
from tests.factories import make_case, make_ready_to_submit, sample_pdf

pytestmark = pytest.mark.django_db

ROW = {
    "where": "home",
    "threat": "traffickers",
    "description": "Återrekrytering",
    "likelihood": 2,
    "impact": 3,
    "mitigation": "Mottagning",
    "responsible": "IOM",
}


@pytest.fixture
def case(stockholm_coordinator, social_worker):
    case = make_case(CaseState.PREPARING)
    case_services.assign_social_worker(case, by=stockholm_coordinator, social_worker=social_worker)
    return case


def test_first_row_starts_a_draft_version_one(case, social_worker):
    row = services.add_row(case, by=social_worker, **ROW)
    assert row.table.version == 1
    assert row.table.state == TableState.DRAFT
    assert row.level == Level.MEDIUM


def test_completing_signs_with_the_authors_name_and_sets_the_case_level(case, social_worker):
    services.add_row(case, by=social_worker, **{**ROW, "likelihood": 4, "impact": 4})
    table = services.complete_table(case, by=social_worker)
    assert table.state == TableState.COMPLETED
    assert table.signed_name == social_worker.display_name
    assert table.completed_at is not None
    case.refresh_from_db()
    assert case.risk_level == Level.HIGH
    assert AuditEvent.objects.filter(action="risk_table.completed", actor=social_worker).exists()


def test_empty_table_cannot_be_completed(case, social_worker):
    services.start_new_version(case, by=social_worker)
    with pytest.raises(services.RiskError):
        services.complete_table(case, by=social_worker)


def test_completed_table_is_locked(case, social_worker):
    row = services.add_row(case, by=social_worker, **ROW)
    services.complete_table(case, by=social_worker)
    locked = "A completed risk table cannot be changed. Start a new version."
    with translation.override("en"), pytest.raises(services.RiskError, match=locked):
        services.change_row(row, by=social_worker, **{**ROW, "likelihood": 1})
    with translation.override("en"), pytest.raises(services.RiskError, match=locked):
        services.delete_row(row, by=social_worker)
    row.refresh_from_db()
    assert row.likelihood == 2


def test_a_change_after_completion_is_a_new_version_that_supersedes_the_old(
    case, social_worker, stockholm_coordinator
):
    services.add_row(case, by=social_worker, **ROW)
    first = services.complete_table(case, by=social_worker)
    draft = services.start_new_version(case, by=stockholm_coordinator)
    assert draft.version == 2
    # Copied, so nothing has to be typed again.
    assert list(draft.rows.values(*ROW)) == [ROW]
    row = draft.rows.get()
    services.change_row(row, by=stockholm_coordinator, **{**ROW, "likelihood": 1, "impact": 1})
    second = services.complete_table(case, by=stockholm_coordinator)
    first.refresh_from_db()
    assert first.state == TableState.SUPERSEDED
    assert first.rows.get().likelihood == 2  # the old version stays readable, unchanged
    assert second.state == TableState.COMPLETED
    case.refresh_from_db()
    assert case.risk_level == Level.LOW


def test_database_allows_one_draft_per_case(case, social_worker):
    RiskTable.objects.create(case=case, version=1, created_by=social_worker)
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskTable.objects.create(case=case, version=2, created_by=social_worker)


def test_database_refuses_a_likelihood_outside_the_scale(case, social_worker):
    table = RiskTable.objects.create(case=case, version=1, created_by=social_worker)
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskRow.objects.create(table=table, **{**ROW, "likelihood": 5})


def test_service_refuses_a_likelihood_outside_the_scale_and_saves_nothing(case, social_worker):
    with pytest.raises(services.RiskError):
        services.add_row(case, by=social_worker, **{**ROW, "likelihood": 7})
    assert not RiskRow.objects.exists()


def test_unassigned_social_worker_cannot_edit(case, other_social_worker):
    with pytest.raises(PermissionDenied):
        services.add_row(case, by=other_social_worker, **ROW)


def test_coordinator_of_another_region_cannot_edit(case, syd_coordinator):
    with pytest.raises(PermissionDenied):
        services.add_row(case, by=syd_coordinator, **ROW)


def test_nobody_edits_after_submission(stockholm_coordinator):
    case = make_case(CaseState.SUBMITTED)
    # The coordinator who edited a moment ago is told what the case is now, not refused.
    with translation.override("en"), pytest.raises(services.RiskError, match="“Submitted to"):
        services.add_row(case, by=stockholm_coordinator, **ROW)
    assert not RiskRow.objects.filter(table__case=case).exists()
    assert not AuditEvent.objects.filter(action="access.denied").exists()


@pytest.fixture
def child(case):
    return Person.objects.create(
        case=case,
        relation="child",
        given_name="Ebba",
        family_name="Öberg",
        date_of_birth=dt.date(2020, 2, 2),
    )


ASSESSMENT = {
    "situation_in_sweden": "Går i förskola.",
    "life_on_return": "Bor med mormor.",
    "needs_and_wishes": "Vill gå i skola.",
    "relatives_involved": False,
    "honour_violence": False,
}


def test_child_assessment_needs_the_best_interests_document(case, child, social_worker):
    with pytest.raises(services.RiskError):
        services.save_child_assessment(child, by=social_worker, **ASSESSMENT)
    assert not ChildAssessment.objects.exists()


def test_child_assessment_is_saved_with_its_document(
    case, child, social_worker, settings, tmp_path
):
    settings.DOCUMENT_ROOT = tmp_path
    assessment = services.save_child_assessment(
        child, by=social_worker, best_interests=sample_pdf(), **ASSESSMENT
    )
    assert assessment.best_interests.kind == "best_interests"
    assert assessment.best_interests.case == case


def test_assessment_for_a_child_of_another_case_is_refused(
    case, social_worker, stockholm_coordinator
):
    other = make_case(CaseState.PREPARING)
    stranger = Person.objects.create(
        case=other,
        relation="child",
        given_name="X",
        family_name="Y",
        date_of_birth=dt.date(2020, 1, 1),
    )
    with pytest.raises(PermissionDenied):
        services.save_child_assessment(stranger, by=social_worker, **ASSESSMENT)
    assert not ChildAssessment.objects.exists()


def test_separated_child_needs_the_home_authorities_agreement(
    stockholm_coordinator, settings, tmp_path
):
    settings.DOCUMENT_ROOT = tmp_path
    case = make_case(CaseState.PREPARING, date_of_birth=dt.date(2011, 5, 5))
    returnee = case.people.get()
    with pytest.raises(services.RiskError):
        services.save_child_assessment(
            returnee, by=stockholm_coordinator, best_interests=sample_pdf(), **ASSESSMENT
        )
    services.save_child_assessment(
        returnee,
        by=stockholm_coordinator,
        best_interests=sample_pdf(),
        home_authorities_agree=True,
        home_authorities_take_over_on=dt.date(2026, 12, 1),
        **ASSESSMENT,
    )
    assert ChildAssessment.objects.get(child=returnee).home_authorities_agree


def test_submission_waits_for_the_risk_table(stockholm_coordinator):
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    case.risk_tables.all().delete()
    Case.objects.filter(pk=case.pk).update(risk_level=None)
    with translation.override("en"), pytest.raises(case_services.CaseError) as error:
        case_services.submit_case(case, by=stockholm_coordinator)
    assert error.value.problems == ["The risk table has not been completed."]


def test_submission_waits_for_a_new_version_in_progress(stockholm_coordinator):
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    services.start_new_version(case, by=stockholm_coordinator)
    with translation.override("en"), pytest.raises(case_services.CaseError) as error:
        case_services.submit_case(case, by=stockholm_coordinator)
    assert error.value.problems == ["The risk table has not been completed."]


def test_submission_waits_for_every_childs_assessments(stockholm_coordinator, settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    child = Person.objects.create(
        case=case,
        relation="child",
        given_name="Ebba",
        family_name="Öberg",
        date_of_birth=dt.date(2020, 2, 2),
    )
    with translation.override("en"), pytest.raises(case_services.CaseError) as error:
        case_services.submit_case(case, by=stockholm_coordinator)
    assert error.value.problems == [
        "The best-interests and protection assessment of Ebba is missing."
    ]
    services.save_child_assessment(
        child, by=stockholm_coordinator, best_interests=sample_pdf(), **ASSESSMENT
    )
    assert case_services.submit_case(case, by=stockholm_coordinator).state == CaseState.SUBMITTED
