"""A social worker assigned to a case fills in and completes the risk table and uploads the
best-interests assessment of the accompanying child, with axe-core on every page."""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ampcase.accounts.roles import Role
from referrals import services as case_services
from referrals.models import CaseState, Person
from risk.models import ChildAssessment, TableState
from tests.browser.conftest import check_accessibility, expect_path
from tests.browser.test_case_journey import fill_risk, sign_in, signed_pdf
from tests.factories import coordination_office, make_case, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return page


def test_social_worker_completes_the_risk_table_and_assesses_the_child(english, settings, tmp_path):
    page = english
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    coordinator = make_user(
        Role.REGION_COORDINATOR, username="karin", organisation=coordination_office()
    )
    social_worker = make_user(Role.SOCIAL_WORKER, username="sara")
    case = make_case(CaseState.PREPARING)
    Person.objects.create(
        case=case,
        relation="child",
        given_name="Ebba",
        family_name="Öberg",
        date_of_birth=dt.date(2020, 2, 2),
    )
    case_services.assign_social_worker(case, by=coordinator, social_worker=social_worker)

    sign_in(page, social_worker)
    check_accessibility(page)
    page.get_by_role("link", name=case.reference).click()
    check_accessibility(page)
    page.get_by_role("link", name="Risk table and children's assessments").click()
    expect_path(page, reverse("risk:table", args=[case.uuid]))
    check_accessibility(page)

    page.get_by_role("link", name="Add a risk").click()
    page.get_by_role("button", name="Save the risk").click()
    expect(page.get_by_role("alert")).to_be_visible()  # nothing filled in: errors, nothing saved
    check_accessibility(page)
    fill_risk(page)
    page.get_by_role("button", name="Save the risk").click()
    expect_path(page, reverse("risk:table", args=[case.uuid]))
    expect(page.get_by_text("High", exact=True).first).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Complete and sign").click()
    expect(page.get_by_role("button", name="Complete and sign")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Complete and sign").click()
    expect_path(page, reverse("risk:table", args=[case.uuid]))
    assert case.risk_tables.get().state == TableState.COMPLETED
    assert social_worker.display_name in page.locator("main").inner_text()
    check_accessibility(page)

    page.get_by_role("link", name="Assess Ebba").click()
    check_accessibility(page)
    page.get_by_label("The child's situation in Sweden", exact=True).fill("Går i förskola.")
    page.get_by_label("The child's life situation on return", exact=True).fill("Bor med mormor.")
    page.get_by_label("The child's needs and wishes", exact=True).fill("Vill gå i skola.")
    page.get_by_label("Written best-interests assessment", exact=True).set_input_files(
        signed_pdf(tmp_path)
    )
    page.get_by_role("button", name="Save the assessment").click()
    expect_path(page, reverse("risk:table", args=[case.uuid]))
    check_accessibility(page)
    assessment = ChildAssessment.objects.get()
    assert assessment.best_interests.kind == "best_interests"
    assert assessment.assessed_by == social_worker
