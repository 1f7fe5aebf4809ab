"""Risk pages: form errors, audited reads, query budget, PDF. (Every URL x every persona:
test_risk_matrix.py.)"""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from referrals import services as case_services
from referrals.models import CaseState, Person
from risk.models import RiskRow
from tests.conftest import sign_in
from tests.factories import make_case, make_ready_to_submit, make_risk_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(stockholm_coordinator, social_worker):
    """A case being prepared (draft table, a child, social worker assigned) and a submitted
    one (completed table), both in Stockholm."""
    preparing = make_case(CaseState.PREPARING)
    case_services.assign_social_worker(
        preparing, by=stockholm_coordinator, social_worker=social_worker
    )
    make_risk_table(preparing, completed=True)
    make_risk_table(preparing)  # version 2, a draft
    Person.objects.create(
        case=preparing,
        relation="child",
        given_name="Ebba",
        family_name="Öberg",
        date_of_birth=dt.date(2020, 2, 2),
    )
    submitted = make_ready_to_submit(make_case(CaseState.SUBMITTED))
    return {"preparing": preparing, "submitted": submitted}


def test_likelihood_outside_the_scale_is_a_form_error(stockholm_coordinator, cases):
    client = sign_in(Client(), stockholm_coordinator)
    case = cases["preparing"]
    before = RiskRow.objects.count()
    response = client.post(
        reverse("risk:row-new", args=[case.uuid]),
        {
            "where": "home",
            "threat": "stigma",
            "description": "x",
            "likelihood": 9,
            "impact": 2,
            "mitigation": "y",
            "responsible": "z",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["likelihood"]
    assert RiskRow.objects.count() == before


def test_table_page_costs_the_same_with_1_or_40_rows(stockholm_coordinator):
    case = make_case(CaseState.PREPARING)
    table = make_risk_table(case)
    client = sign_in(Client(), stockholm_coordinator)
    url = reverse("risk:table", args=[case.uuid])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = count()
    for _ in range(39):
        RiskRow.objects.create(
            table=table,
            where="transit",
            threat="health",
            description="d",
            likelihood=1,
            impact=1,
            mitigation="m",
            responsible="r",
        )
    assert count() == one


@pytest.mark.parametrize(("language", "word"), [("sv", "Människohandlare"), ("en", "Traffickers")])
def test_risk_pdf_lists_the_rows_with_swedish_letters(stockholm_coordinator, language, word):
    case = make_case(CaseState.PREPARING)
    table = make_risk_table(case, completed=True, rows=[(4, 4)])
    row = table.rows.get()
    RiskRow.objects.filter(pk=row.pk).update(description="Hot från nätverket i Göteborg")
    client = sign_in(Client(), stockholm_coordinator)
    response = client.get(reverse("risk:pdf", args=[case.uuid, table.version]), {"lang": language})
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    # Table cells wrap: compare with the whitespace normalised.
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "Hot från nätverket i Göteborg" in text
    assert case.reference in text
    assert word in text


def test_case_page_shows_a_high_risk(stockholm_coordinator):
    case = make_case(CaseState.PREPARING)
    make_risk_table(case, completed=True, rows=[(4, 4)])
    client = sign_in(Client(), stockholm_coordinator)
    page = client.get(reverse("referrals:case", args=[case.uuid])).content.decode()
    assert 'class="risk-high"' in page


def test_viewing_a_childs_assessment_is_audited(stockholm_coordinator, cases):
    from ampcase.audit.models import AuditEvent

    case = cases["preparing"]
    child = case.people.get(relation="child")
    client = sign_in(Client(), stockholm_coordinator)
    client.get(reverse("risk:child-assessment", args=[case.uuid, child.uuid]))
    assert AuditEvent.objects.filter(
        action="child_assessment.viewed", actor=stockholm_coordinator, object_id=str(case.pk)
    ).exists()


def test_viewing_the_risk_table_is_audited(stockholm_coordinator, cases):
    from ampcase.audit.models import AuditEvent

    case = cases["preparing"]
    sign_in(Client(), stockholm_coordinator).get(reverse("risk:table", args=[case.uuid]))
    assert AuditEvent.objects.filter(action="risk_table.viewed", object_id=str(case.pk)).exists()


def test_childs_name_stays_out_of_the_page_title(stockholm_coordinator, cases):
    import re

    case = cases["preparing"]
    child = case.people.get(relation="child")
    client = sign_in(Client(), stockholm_coordinator)
    page = client.get(reverse("risk:child-assessment", args=[case.uuid, child.uuid]))
    title = re.search(r"<title>(.*?)</title>", page.content.decode(), re.S).group(1)
    assert "Ebba" not in title
    assert "Ebba" in page.content.decode()
