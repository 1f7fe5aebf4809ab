"""Every travel URL x every persona x a case in every kind of journey: redirect to login, 404
(not theirs), a page that no longer fits the case's or plan's state sends back to the travel
page (302), 403 (theirs to see, not to do) or 200. A reintegration URL missing from the matrix
fails."""

import uuid

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from referrals.grants import sync_case_permissions
from referrals.models import Case, CaseState, ConsentPurpose
from reintegration.services import travel as services
from tests.conftest import PERSONAS, make_personas, sign_in
from tests.factories import (
    add_consent,
    make_case,
    make_ready_to_submit,
    make_travel_plan,
    planned_arrival_form,
)
from tests.reintegration.test_follow_up_views import FOLLOW_UP_URLS
from tests.reintegration.test_support_views import SUPPORT_URLS

pytestmark = pytest.mark.django_db

READ = {"travel", "itinerary"}
PLAN = {
    "travel-start",
    "travel-edit",
    "flight-new",
    "flight",
    "travel-document",
    "book",
    "reopen",
    "depart",
    "cancel",
    "incident",
}
RECEIVE = {"arrive"}
POST_ONLY = {"flight-delete"}
KINDS = ["planning", "departed", "arrived", "unplanned"]
# The live (or last) plan of each kind of case, and the plan states each step is taken from
# (DESIGN.md section 5, written out independently of the model).
PLAN_STATE = {"planning": "planning", "departed": "departed", "arrived": "arrived"}
STEP_SOURCES = {
    "book": {"planning"},
    "reopen": {"booked"},
    "depart": {"booked"},
    "cancel": {"planning", "booked"},
    "incident": {"booked", "departed"},
    "arrive": {"departed"},
}


def test_matrix_covers_every_reintegration_url():
    _prefix, resolver = get_resolver().namespace_dict["reintegration"]
    names = {name for name in resolver.reverse_dict if isinstance(name, str)}
    assert names == READ | PLAN | RECEIVE | POST_ONLY | SUPPORT_URLS | FOLLOW_UP_URLS


def _approved_case(state=CaseState.APPROVED, *, destination_consent=True, **fields) -> Case:
    """A Stockholm case past approval, with consent to share with IOM Finland and, if asked,
    with the IOM office in Nigeria."""
    case = make_ready_to_submit(make_case(state, **fields))
    if destination_consent:
        add_consent(case, ConsentPurpose.IOM_DESTINATION)
    return case


@pytest.fixture(scope="module")
def matrix(module_transaction, django_db_blocker):
    """Everyone in PERSONAS, and Stockholm cases: approved with a plan being prepared (social
    worker assigned); in transit with a departed plan; in reintegration with an arrived plan;
    approved without a plan and without consent to share with the Nigeria office. Made once
    for the module (see `module_transaction`)."""
    with django_db_blocker.unblock():
        people = make_personas()
        planning = _approved_case()
        planning.social_worker = people["social_worker"]
        planning.save(update_fields=["social_worker"])
        sync_case_permissions(planning)
        make_travel_plan(planning)
        departed = _approved_case(CaseState.IN_TRANSIT)
        make_travel_plan(departed, state="departed")
        arrived = _approved_case(CaseState.REINTEGRATION)
        make_travel_plan(arrived, state="arrived")
        unplanned = _approved_case(destination_consent=False)
    made = {"planning": planning, "departed": departed, "arrived": arrived, "unplanned": unplanned}
    return {
        "people": {name: user.pk for name, user in people.items()},
        "cases": {kind: case.pk for kind, case in made.items()},
    }


def _url(name, case):
    args = [case.uuid]
    if name in {"flight", "flight-delete"}:
        plan = services.live_plan(case)
        flight = plan.flights.first() if plan else None
        args.append(flight.uuid if flight else uuid.uuid4())
    elif name == "travel-document":
        args.append(case.people.get(relation="returnee").uuid)
    return reverse(f"reintegration:{name}", args=args)


def _visible(persona, kind):
    return {
        "stockholm_coordinator": True,
        "social_worker": kind == "planning",
        "iom_caseworker": True,
        "iom_approver": True,
        "nigeria_office": True,
    }.get(persona, False)


def _sees_identity(persona, kind):
    if persona == "nigeria_office":
        return kind != "unplanned"
    return _visible(persona, kind)


def _may(persona, kind, name):
    """Who may, whatever the state: the rule alone."""
    if name in READ:
        return _sees_identity(persona, kind)
    if name in RECEIVE:
        return persona == "iom_caseworker" or (
            persona == "nigeria_office" and _sees_identity(persona, kind)
        )
    return persona == "iom_caseworker"


def _expected(persona, kind, name):
    """404 for what the user may not see; a page that does not fit the state things are in
    now sends everyone who may see the case back to the travel page with the reason (302);
    then 403 for who may not act; else 200."""
    if name in POST_ONLY:
        return 405
    if not _visible(persona, kind):
        return 404
    if name in STEP_SOURCES:
        if kind == "unplanned":
            return 404  # nothing to act on
        if PLAN_STATE[kind] not in STEP_SOURCES[name]:
            return 302
        return 200 if _may(persona, kind, name) else 403
    if name in READ:
        if not _may(persona, kind, name):
            return 403
        return 404 if name == "itinerary" and kind == "unplanned" else 200
    # The plan's own forms: while the journey is to be made, for IOM Finland's planner.
    if kind == "arrived":
        return 302
    if not _may(persona, kind, name):
        return 403
    if name == "travel-start":
        return 200 if kind == "unplanned" else 302
    if kind == "unplanned":
        return 404
    return 200 if kind == "planning" else 302


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("kind", KINDS)
def test_travel_pages(people, cases, persona, kind):
    client = sign_in(Client(), people[persona])
    case = cases[kind]
    for name in sorted(READ | PLAN | RECEIVE | POST_ONLY):
        response = client.get(_url(name, case))
        assert response.status_code == _expected(persona, kind, name), (persona, kind, name)


@pytest.mark.parametrize("name", sorted(READ | PLAN | RECEIVE | POST_ONLY))
def test_anonymous_is_sent_to_login(client, name):
    # The middleware sends an anonymous visitor to the login page before any view runs (and
    # before any case is looked up): a made-up case needs no data.
    no_such = uuid.UUID("0b5e6f0c-3a1d-4c2e-9f7b-8d6a5c4b3a21")
    two_ids = {"flight", "flight-delete", "travel-document"}
    ids = [no_such, no_such] if name in two_ids else [no_such]
    response = client.get(reverse(f"reintegration:{name}", args=ids))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_iom_caseworker_can_book(people, cases, persona):
    case = cases["planning"]
    client = sign_in(Client(), people[persona])
    response = client.post(reverse("reintegration:book", args=[case.uuid]))
    plan = services.live_plan(case)
    if persona == "iom_caseworker":
        assert response.status_code == 302
        assert (plan.state, plan.booked_by) == ("booked", people[persona])
    else:
        assert response.status_code == _expected(persona, "planning", "book")
        assert (plan.state, plan.booked_at) == ("planning", None)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_caseworker_or_the_destination_office_can_record_arrival(people, cases, persona):
    case = cases["departed"]
    client = sign_in(Client(), people[persona])
    data = planned_arrival_form(services.live_plan(case))
    response = client.post(reverse("reintegration:arrive", args=[case.uuid]), data)
    plan = services.live_plan(case)
    case.refresh_from_db()
    if persona in {"iom_caseworker", "nigeria_office"}:
        assert response.status_code == 302
        assert (plan.state, case.state) == ("arrived", CaseState.REINTEGRATION)
    else:
        assert response.status_code == _expected(persona, "departed", "arrive")
        assert (plan.state, case.state) == ("departed", CaseState.IN_TRANSIT)
