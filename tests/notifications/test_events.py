"""Who is told of each hand-off, and who is not: the people who must act, by the permissions
they hold on the case at that moment, never the one who made the change."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation

from ampcase.accounts.roles import Role
from ampcase.notifications.kinds import Kind
from ampcase.notifications.models import Notification, OutboxMail
from referrals import grants, services
from referrals.models import CaseState
from reintegration.services import travel
from tests.factories import (
    OrganisationFactory,
    add_consent,
    make_arrived_case,
    make_case,
    make_ready_to_submit,
    make_risk_table,
    make_travel_plan,
    make_user,
    region,
    yesterday,
)

pytestmark = pytest.mark.django_db

User = get_user_model()


def told(kind: str) -> set[str]:
    """The user names told of `kind`."""
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pytest.fixture
def everyone(
    stockholm_coordinator,
    syd_coordinator,
    social_worker,
    other_social_worker,
    iom_caseworker,
    iom_approver,
    nigeria_office,
    referrer,
    national_coordinator,
):
    return {
        "stockholm_coordinator": stockholm_coordinator,
        "iom_caseworker": iom_caseworker,
        "referrer": referrer,
        "social_worker": social_worker,
    }


@pytest.fixture
def second_iom_caseworker(iom_caseworker):
    return make_user(
        Role.IOM_CASEWORKER, username="eero.iom", organisation=iom_caseworker.organisation
    )


@pytest.fixture
def kenya_office():
    return make_user(
        Role.COUNTRY_OFFICE,
        username="wanjiru.iom",
        organisation=OrganisationFactory(kind="iom_country_office", country="KE"),
    )


def test_new_referral_tells_the_regions_coordinators_only(everyone, referrer):
    services.log_referral(
        by=referrer,
        region=region("stockholm"),
        given_name="Åsa",
        family_name="Öberg",
        date_of_birth=dt.date(1995, 4, 1),
        consent_on=dt.date(2026, 11, 20),
        consent_method="written",
    )
    assert told(Kind.REFERRED) == {"karin.sthlm"}


def test_referral_logged_by_a_coordinator_does_not_tell_that_coordinator(everyone):
    coordinator = everyone["stockholm_coordinator"]
    colleague = make_user(
        Role.REGION_COORDINATOR, username="kalle.sthlm", organisation=coordinator.organisation
    )
    services.log_referral(
        by=coordinator,
        region=region("stockholm"),
        given_name="Åsa",
        family_name="Öberg",
        date_of_birth=None,
        consent_on=dt.date(2026, 11, 20),
        consent_method="written",
    )
    assert told(Kind.REFERRED) == {colleague.username}


def test_submission_tells_iom_finlands_caseworkers_not_the_approver(everyone):
    case = make_ready_to_submit(
        make_case(CaseState.PREPARING, social_worker=everyone["social_worker"])
    )
    grants.sync_case_permissions(case)
    services.submit_case(case, by=everyone["stockholm_coordinator"])
    # Not the coordinator who submitted, the other region, the social workers, the referrer,
    # the approver (payments only) or the country office (not yet approved).
    assert told(Kind.SUBMITTED) == {"aino.iom"}
    assert told(Kind.RESUBMITTED) == set()


def test_submission_after_changes_is_told_as_a_resubmission(everyone):
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    services.submit_case(case, by=everyone["stockholm_coordinator"])
    services.request_changes(case, by=everyone["iom_caseworker"], message="Sign page 2")
    Notification.objects.all().delete()
    services.submit_case(case, by=everyone["stockholm_coordinator"])
    assert told(Kind.RESUBMITTED) == {"aino.iom"}
    assert told(Kind.SUBMITTED) == set()


@pytest.mark.parametrize(
    "decide, kind",
    [
        (lambda case, by: services.approve_case(case, by=by), Kind.APPROVED),
        (lambda case, by: services.reject_case(case, by=by, reason="Not eligible"), Kind.REJECTED),
        (
            lambda case, by: services.request_changes(case, by=by, message="Sign page 2"),
            Kind.CHANGES_REQUESTED,
        ),
    ],
    ids=["approved", "rejected", "changes_requested"],
)
def test_decision_tells_the_regions_coordinators_only(everyone, decide, kind):
    case = make_ready_to_submit(
        make_case(CaseState.SUBMITTED, social_worker=everyone["social_worker"])
    )
    grants.sync_case_permissions(case)
    decide(case, everyone["iom_caseworker"])
    # Both of Stockholm's coordinators (the factory's submitter is one); not Syd's, not the
    # social worker, IOM Finland or the referrer.
    assert told(kind) == {"karin.sthlm", case.submitted_by.username}


def test_approval_tells_iom_finland_to_plan_travel_and_the_destinations_office(
    everyone, second_iom_caseworker, kenya_office
):
    case = make_ready_to_submit(make_case(CaseState.SUBMITTED))
    services.approve_case(case, by=everyone["iom_caseworker"])
    # The caseworker who approved knows; the other plans the journey.
    assert told(Kind.APPROVED_FOR_TRAVEL) == {"eero.iom"}
    # Nigeria's office, not Kenya's.
    assert told(Kind.APPROVED_FOR_RECEPTION) == {"ngozi.iom"}


def test_iom_is_told_under_the_pseudonym_after_consent_to_share_is_withdrawn(
    everyone, second_iom_caseworker
):
    case = make_ready_to_submit(make_case(CaseState.SUBMITTED, given_name="Kanariefågel"))
    add_consent(case, given=False)
    services.approve_case(case, by=everyone["iom_caseworker"])
    # IOM Finland still sees the case under its pseudonym: it is told, and no mail names anyone.
    assert told(Kind.APPROVED_FOR_TRAVEL) == {"eero.iom"}
    for mail in OutboxMail.objects.all():
        assert "Kanariefågel" not in mail.body and case.reference in mail.body


def test_departure_tells_the_destinations_office_only(everyone, kenya_office):
    case = make_ready_to_submit(make_case(CaseState.APPROVED))
    make_travel_plan(case, state="booked", day=yesterday())
    travel.record_departure(case, by=everyone["iom_caseworker"])
    assert told(Kind.DEPARTED) == {"ngozi.iom"}
    # Arrival expected: the last flight and when it lands, as the clocks there show it.
    notification = Notification.objects.get(kind=Kind.DEPARTED)
    lands = f"{yesterday().isoformat()} 12:00"
    assert notification.params == {"flight": "KL1100", "airport": "AMS", "lands": lands}
    with translation.override("en"):
        assert notification.detail == f"Flight KL1100, landing at AMS {lands} (local time)"


def test_incident_tells_coordinators_and_iom_finland(everyone, second_iom_caseworker):
    case = make_ready_to_submit(make_case(CaseState.APPROVED))
    make_travel_plan(case, state="booked")
    travel.report_incident(case, by=everyone["iom_caseworker"], description="Did not come")
    assert told(Kind.INCIDENT) == {"karin.sthlm", case.submitted_by.username, "eero.iom"}


def test_completed_risk_table_tells_the_regions_coordinators(everyone):
    from risk import services as risk_services

    case = make_case(CaseState.PREPARING, social_worker=everyone["social_worker"])
    grants.sync_case_permissions(case)
    make_risk_table(case)
    risk_services.complete_table(case, by=everyone["stockholm_coordinator"])
    assert told(Kind.RISK_TABLE_COMPLETED) == set()
    make_risk_table(case)
    risk_services.complete_table(case, by=everyone["social_worker"])
    assert told(Kind.RISK_TABLE_COMPLETED) == {"karin.sthlm"}


@pytest.fixture
def arrived(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path
    return make_arrived_case(arrived_on=dt.date(2026, 9, 15))


def test_payment_request_tells_iom_finlands_approvers_and_approval_the_office(
    everyone, arrived, kenya_office
):
    from reintegration.models import Category
    from reintegration.services import support

    payment = support.request_payment(
        arrived,
        by=everyone["iom_caseworker"],
        beneficiary=arrived.people.get(relation="returnee"),
        category=Category.SUBSISTENCE,
        month=1,
        amount=Decimal("150.00"),
        payee="returnee",
        method="cash",
    )
    assert told(Kind.PAYMENT_REQUESTED) == {"mikko.iom"}
    approver = User.objects.get(username="mikko.iom")
    support.approve_payment(payment, by=approver)
    # Nigeria's office pays it out; not Kenya's, not IOM Finland.
    assert told(Kind.PAYMENT_APPROVED) == {"ngozi.iom"}


def test_overdue_follow_ups_tell_the_office_and_iom_finland_once(everyone, arrived):
    from ampcase.notifications.events import follow_ups_overdue

    # Arrived on 15 September: months 1 and 2 were due on 15 October and 15 November.
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    assert follow_ups_overdue(now) == 2
    assert told(Kind.FOLLOW_UP_OVERDUE) == {"ngozi.iom", "aino.iom"}
    months = Notification.objects.filter(recipient__username="ngozi.iom").values_list(
        "params__month", flat=True
    )
    assert sorted(months) == [1, 2]
    # Told once: the next pass finds nothing new, until another month's day passes.
    assert follow_ups_overdue(now) == 0
    assert follow_ups_overdue(now + dt.timedelta(days=15)) == 1


def test_a_change_that_no_rule_names_tells_nobody(everyone):
    case = make_case(CaseState.REFERRED)
    services.start_screening(case, by=everyone["stockholm_coordinator"])
    assert not Notification.objects.exists()


def test_a_rolled_back_change_leaves_no_notification_and_no_mail(everyone):
    case = make_ready_to_submit(make_case(CaseState.SUBMITTED))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.approve_case(case, by=everyone["iom_caseworker"])
        assert Notification.objects.exists() and OutboxMail.objects.exists()
        raise RuntimeError("the request failed after the change")
    assert not Notification.objects.exists()
    assert not OutboxMail.objects.exists()


def test_a_service_that_fails_after_logging_tells_nothing_then_or_later(everyone, monkeypatch):
    case = make_ready_to_submit(make_case(CaseState.SUBMITTED))

    def broken(case):
        raise RuntimeError("permissions could not be synced")

    monkeypatch.setattr(grants, "sync_case_permissions", broken)
    with pytest.raises(RuntimeError):
        services.approve_case(case, by=everyone["iom_caseworker"])
    monkeypatch.undo()
    assert not Notification.objects.exists()
    # The failed service's change is not told by the next service either.
    services.start_screening(make_case(CaseState.REFERRED), by=everyone["stockholm_coordinator"])
    assert not Notification.objects.exists()


def test_a_deactivated_user_holds_nothing_even_through_a_direct_grant(everyone):
    social_worker = everyone["social_worker"]
    case = make_case(CaseState.PREPARING, social_worker=social_worker)
    assert social_worker in grants.holders(case)
    # The assigned social worker's grant is their own, not a scope group's: deactivating them
    # leaves it in place, so `holders` itself must leave them out.
    User.objects.filter(pk=social_worker.pk).update(is_active=False)
    assert social_worker not in grants.holders(case)


def test_recipients_are_asked_in_one_query_whatever_their_number(
    everyone, django_assert_max_num_queries
):
    from ampcase.notifications.events import coordinators

    coordinator = everyone["stockholm_coordinator"]
    for n in range(20):
        make_user(
            Role.REGION_COORDINATOR, username=f"coord{n}", organisation=coordinator.organisation
        )
    case = make_case(CaseState.REFERRED)
    with django_assert_max_num_queries(1):
        assert len(list(coordinators(case))) == 21
