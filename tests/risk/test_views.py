"""Risk pages: every URL x every persona, query budget, PDF."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from pypdf import PdfReader

from referrals import services as case_services
from referrals.models import CaseState, Person
from risk.models import RiskRow
from tests.conftest import PERSONAS, sign_in
from tests.factories import make_case, make_ready_to_submit, make_risk_table

pytestmark = pytest.mark.django_db

READ = {"table", "version", "pdf"}
EDIT = {"row-new", "row", "complete", "child-assessment"}
POST_ONLY = {"row-delete", "new-version"}


def test_matrix_covers_every_risk_url():
    _prefix, resolver = get_resolver().namespace_dict["risk"]
    names = {name for name in resolver.reverse_dict if isinstance(name, str)}
    assert names == READ | EDIT | POST_ONLY


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


def _url(name, case):
    draft_or_last = case.risk_tables.order_by("-version").first()
    completed = case.risk_tables.filter(state="completed").first()
    args = [case.uuid]
    if name in {"version", "pdf"}:
        args.append(completed.version)
    elif name in {"row", "row-delete"}:
        args.append(draft_or_last.rows.first().uuid)
    elif name == "child-assessment":
        child = case.people.filter(relation="child").first() or case.people.first()
        args.append(child.uuid)
    return reverse(f"risk:{name}", args=args)


def _expected(persona, kind, name):
    if name in POST_ONLY:
        return 405
    visible = {
        "stockholm_coordinator": True,
        "social_worker": kind == "preparing",
        "iom_caseworker": kind == "submitted",
        "iom_approver": kind == "submitted",
    }.get(persona, False)
    if not visible:
        return 404
    readers = {"stockholm_coordinator", "social_worker", "iom_caseworker", "iom_approver"}
    editors = {"stockholm_coordinator", "social_worker"}
    if name in READ:
        return 200 if persona in readers else 403
    if kind == "submitted":
        # The case has moved on: the risk table page says it is now submitted, whoever asks
        # (a coordinator's old tab must not read "access denied").
        return 302
    return 200 if persona in editors else 403


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("kind", ["preparing", "submitted"])
def test_risk_pages(request, cases, persona, kind):
    client = sign_in(Client(), request.getfixturevalue(persona))
    case = cases[kind]
    for name in sorted(READ | EDIT | POST_ONLY):
        if kind == "submitted" and name in {"row", "row-delete", "child-assessment"}:
            continue  # no draft rows and no child on the submitted case
        response = client.get(_url(name, case))
        assert response.status_code == _expected(persona, kind, name), (persona, kind, name)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_editors_can_add_a_risk(request, cases, persona):
    case = cases["preparing"]
    client = sign_in(Client(), request.getfixturevalue(persona))
    before = RiskRow.objects.count()
    response = client.post(
        reverse("risk:row-new", args=[case.uuid]),
        {
            "where": "home",
            "threat": "stigma",
            "description": "x",
            "likelihood": 2,
            "impact": 2,
            "mitigation": "y",
            "responsible": "z",
        },
    )
    added = RiskRow.objects.count() - before
    if persona in {"stockholm_coordinator", "social_worker"}:
        assert (response.status_code, added) == (302, 1)
    else:
        assert (response.status_code, added) == (_expected(persona, "preparing", "row-new"), 0)


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
