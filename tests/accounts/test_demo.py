import pytest
from django.core.management import CommandError, call_command

from ampcase.accounts.demo import USERS
from ampcase.accounts.models import Organisation, OrganisationKind, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _documents(settings, tmp_path):
    """The demo uploads its signed forms: into a folder of the test's own."""
    settings.DOCUMENT_ROOT = tmp_path


def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_one_user_per_role_and_the_organisations(settings):
    call_command("seed_demo", "--force")
    assert Organisation.objects.filter(kind=OrganisationKind.REGION_COORDINATION).count() == 7
    assert Organisation.objects.filter(kind=OrganisationKind.IOM_COUNTRY_OFFICE).count() == 2
    roles = set()
    for username, *_rest, role in USERS:
        user = User.objects.get(username=username)
        assert user.roles == {role}
        assert user.staticdevice_set.get().token_set.count() == 10
        roles.add(role)
    from ampcase.accounts.roles import Role

    assert roles == set(Role)


def test_seed_demo_twice_changes_nothing(settings):
    call_command("seed_demo", "--force")
    before = (
        list(Organisation.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values()),
    )
    call_command("seed_demo", "--force")
    after = (
        list(Organisation.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values()),
    )
    assert before == after


def test_demo_logins_prints_users_and_codes(capsys):
    call_command("seed_demo", "--force")
    call_command("demo_logins")
    out = capsys.readouterr().out
    token = User.objects.get(username="coordinator").staticdevice_set.get().token_set.first().token
    assert "coordinator" in out and token in out


def test_seed_demo_creates_cases_in_every_state():
    from referrals.models import Case, CaseState

    call_command("seed_demo", "--force")
    assert set(Case.objects.values_list("state", flat=True)) == set(CaseState.values)
    made = Case.objects.count()
    call_command("seed_demo", "--force")
    assert Case.objects.count() == made == 13


def test_demo_cases_were_walked_through_the_services():
    from referrals.models import Case, CaseEvent, CaseState

    call_command("seed_demo", "--force")
    arrived = (
        Case.objects.filter(state=CaseState.REINTEGRATION, payments__isnull=False).distinct().get()
    )
    moves = list(
        CaseEvent.objects.filter(case=arrived)
        .exclude(to_state="")
        .order_by("at", "id")
        .values_list("to_state", flat=True)
    )
    assert moves == [
        CaseState.SCREENING,
        CaseState.PREPARING,
        CaseState.SUBMITTED,
        CaseState.APPROVED,
        CaseState.IN_TRANSIT,
        CaseState.REINTEGRATION,
    ]


def test_demo_cases_that_were_submitted_have_a_completed_risk_table():
    from referrals.models import Case, CaseState
    from risk.models import TableState

    call_command("seed_demo", "--force")
    submitted = Case.objects.get(state=CaseState.SUBMITTED)
    assert submitted.risk_tables.get().state == TableState.COMPLETED
    assert submitted.risk_level == 3
    call_command("seed_demo", "--force")
    assert submitted.risk_tables.count() == 1


def test_demo_journeys_match_their_cases_and_the_planned_one_shows_what_is_missing():
    from referrals.models import Case, CaseState
    from reintegration.models import TravelState
    from reintegration.services.travel import booking_problems

    call_command("seed_demo", "--force")
    journeys = sorted(
        (case.state, case.travel_plans.get().state)
        for case in Case.objects.filter(travel_plans__isnull=False)
    )
    assert journeys == sorted(
        [
            (CaseState.APPROVED, TravelState.PLANNING),
            (CaseState.IN_TRANSIT, TravelState.DEPARTED),
            (CaseState.REINTEGRATION, TravelState.ARRIVED),
            (CaseState.REINTEGRATION, TravelState.ARRIVED),
            (CaseState.CLOSED, TravelState.ARRIVED),
            (CaseState.CLOSED, TravelState.CANCELLED),
        ]
    )
    planned = Case.objects.get(state=CaseState.APPROVED).travel_plans.get()
    assert [p for p in booking_problems(planned) if "Daniel" in p]


def test_the_arrived_demo_case_has_payments_in_every_state_and_each_country_two_providers():
    from reintegration.models import Payment, PaymentState, Provider

    call_command("seed_demo", "--force")
    assert set(Payment.objects.values_list("state", flat=True)) == set(PaymentState.values)
    per_country = sorted(Provider.objects.values_list("country", flat=True))
    assert per_country == ["NG", "NG", "RO", "RO"]


def test_demo_follow_ups_are_done_due_and_overdue_and_closed_cases_have_outcomes():
    from django.utils import timezone

    from referrals.models import Case, CaseState
    from reintegration.models import FollowUp

    call_command("seed_demo", "--force")
    today = timezone.localdate()
    open_contacts = FollowUp.objects.filter(done_on__isnull=True)
    assert FollowUp.objects.filter(done_on__isnull=False).count() == 9
    assert FollowUp.objects.filter(threat=True).count() == 1
    assert open_contacts.filter(due_on__lt=today).exists()
    assert open_contacts.filter(due_on__gte=today).exists()
    outcomes = sorted(Case.objects.filter(state=CaseState.CLOSED).values_list("outcome", flat=True))
    assert outcomes == ["completed", "never_travelled"]
