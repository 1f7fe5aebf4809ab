"""Every risk URL x every persona x a case being prepared and a submitted one: 404 (not
theirs), a page that no longer fits the case's state sends back to the risk table (302), 403
(theirs to see, not to do), 405 (POST only) or 200. A risk URL missing from the matrix fails."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from referrals import services as case_services
from referrals.models import CaseState, Person
from risk.models import RiskRow
from tests.conftest import PERSONAS, make_personas, sign_in
from tests.factories import make_case, make_ready_to_submit, make_risk_table

pytestmark = pytest.mark.django_db

READ = {"table", "version", "pdf"}
EDIT = {"row-new", "row", "complete", "child-assessment"}
POST_ONLY = {"row-delete", "new-version"}


def test_matrix_covers_every_risk_url():
    _prefix, resolver = get_resolver().namespace_dict["risk"]
    names = {name for name in resolver.reverse_dict if isinstance(name, str)}
    assert names == READ | EDIT | POST_ONLY


@pytest.fixture(scope="module")
def matrix(module_transaction, django_db_blocker):
    """Everyone in PERSONAS; a case being prepared (draft table, a child, social worker
    assigned) and a submitted one (completed table), both in Stockholm. Made once for the
    module (see `module_transaction`)."""
    with django_db_blocker.unblock():
        people = make_personas()
        preparing = make_case(CaseState.PREPARING)
        case_services.assign_social_worker(
            preparing, by=people["stockholm_coordinator"], social_worker=people["social_worker"]
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
    return {
        "people": {name: user.pk for name, user in people.items()},
        "cases": {"preparing": preparing.pk, "submitted": submitted.pk},
    }


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
def test_risk_pages(people, cases, persona, kind):
    client = sign_in(Client(), people[persona])
    case = cases[kind]
    for name in sorted(READ | EDIT | POST_ONLY):
        if kind == "submitted" and name in {"row", "row-delete", "child-assessment"}:
            continue  # no draft rows and no child on the submitted case
        response = client.get(_url(name, case))
        assert response.status_code == _expected(persona, kind, name), (persona, kind, name)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_editors_can_add_a_risk(people, cases, persona):
    case = cases["preparing"]
    client = sign_in(Client(), people[persona])
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
