"""The benchmark generator: valid rows, every state, the services' grants, refusal of real
data, the same cases for the same seed."""

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import override_settings

from ampcase.bench import generate, people, writer
from referrals import grants
from referrals.models import (
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseState,
    CaseUserObjectPermission,
    Consent,
    Decision,
    EligibilityAssessment,
    Person,
)
from referrals.permissions import VIEW
from reintegration.models import (
    Entitlement,
    FollowUp,
    Payment,
    ReintegrationPlan,
    TravelPlan,
)
from tests.factories import make_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _make(count=30, seed=3, **kwargs):
    return generate.generate(count, seed=seed, users=80, now=NOW, **kwargs)


def _fingerprint():
    return [
        (
            case.reference,
            case.state,
            case.region.code,
            case.destination_country.code,
            case.created_at,
            case.referred_by.username,
            tuple(
                (p.relation, p.given_name, p.family_name, p.date_of_birth)
                for p in case.people.order_by("relation", "given_name")
            ),
            case.events.count(),
            case.payments.count(),
        )
        for case in Case.objects.select_related("region", "referred_by").order_by("reference")
    ]


def _grant_rows(case):
    groups = set(
        CaseGroupObjectPermission.objects.filter(content_object=case).values_list(
            "group_id", "permission__codename"
        )
    )
    users = set(
        CaseUserObjectPermission.objects.filter(content_object=case).values_list(
            "user_id", "permission__codename"
        )
    )
    return groups, users


@pytest.mark.parametrize("use_copy", [True, False], ids=["copy", "bulk_create"])
def test_thirty_cases_are_valid_rows(use_copy):
    if use_copy and connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    result = _make(use_copy=use_copy)
    assert result.cases == Case.objects.count() == 30
    # Every state, and each case's rows as the models' own validation sees them (the
    # database's CHECK constraints and unique indexes already held on the way in).
    assert set(Case.objects.values_list("state", flat=True)) == set(CaseState.values)
    samples = [
        *Case.objects.all(),
        *Person.objects.all()[:20],
        *Consent.objects.all()[:20],
        *EligibilityAssessment.objects.all()[:10],
        *Decision.objects.all()[:10],
        *TravelPlan.objects.all()[:10],
        *ReintegrationPlan.objects.all()[:5],
        *Entitlement.objects.all()[:10],
        *Payment.objects.all()[:20],
        *FollowUp.objects.all()[:20],
        *CaseEvent.objects.all()[:20],
    ]
    for row in samples:
        # (A protected state field cannot be cleaned in place; a CHECK keeps it known.)
        row.full_clean(exclude={"state"})
    for person in Person.objects.all():
        before = person.search_name
        person.save()
        assert person.search_name == before
    # Stories hold together.
    for case in Case.objects.filter(state=CaseState.CLOSED):
        assert case.closed_at > case.created_at
    for decision in Decision.objects.select_related("case"):
        assert decision.decided_at > decision.case.created_at
    for plan in TravelPlan.objects.exclude(arrived_at=None):
        assert plan.arrived_at >= plan.departed_at
    for entitlement in Entitlement.objects.all():
        assert 0 <= entitlement.committed <= entitlement.cap
    assert Person.objects.filter(relation="returnee").count() == 30
    # The next referral the services log gets a new reference.
    year = NOW.year
    reference = Case.allocate_reference(year)
    assert not Case.objects.filter(reference=reference).exists()


def test_bulk_grants_equal_the_services_grants():
    _make(count=40)
    sample = list(Case.objects.order_by("pk"))
    assert any(grants.desired_grants(case)[0] for case in sample)
    for case in sample:
        made = _grant_rows(case)
        # The services' answer for the same case: computed afresh on the same rows.
        CaseGroupObjectPermission.objects.filter(content_object=case).delete()
        CaseUserObjectPermission.objects.filter(content_object=case).delete()
        grants.sync_case_permissions(case)
        assert _grant_rows(case) == made, case.state


def test_lists_answer_as_in_production():
    from ampcase.accounts.models import User

    _make(count=40)
    user = User.objects.get(pk=people.staff().coordinators["stockholm"][0])
    visible = set(grants.cases_for(user, VIEW).values_list("pk", flat=True))
    expected = set(Case.objects.filter(region__code="stockholm").values_list("pk", flat=True))
    assert visible == expected
    assert expected


def test_states_in_plausible_proportions():
    rng = random.Random(5)
    made = generate.skeletons(rng, 3000, NOW)
    counts = defaultdict(int)
    for item in made:
        counts[item.state] += 1
    assert set(counts) == set(CaseState.values)
    assert counts[CaseState.CLOSED] > counts[CaseState.WITHDRAWN] > counts[CaseState.REFERRED]
    regions = defaultdict(int)
    for item in made:
        regions[item.region] += 1
    assert max(regions, key=regions.get) == "stockholm"
    assert len({item.country for item in made}) >= 20
    # Open cases are recent; ended ones spread over the years.
    assert all(
        item.created_at > NOW - dt.timedelta(days=60)
        for item in made
        if item.state == CaseState.REFERRED
    )
    assert min(item.created_at for item in made).year == 2019


def test_the_same_seed_makes_the_same_cases():
    runs = []
    for _ in range(2):
        with transaction.atomic():
            _make(count=25, seed=11)
            runs.append(_fingerprint())
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    with transaction.atomic():
        _make(count=25, seed=12)
        assert _fingerprint() != runs[0]
        transaction.set_rollback(True)


def test_refuses_a_database_with_real_cases():
    call_command("generate_cases", "--cases", "3", "--users", "60")  # empty: allowed
    call_command("generate_cases", "--cases", "3")  # only generated cases: allowed
    assert Case.objects.count() == 6
    make_case()
    with pytest.raises(CommandError, match="did not make"):
        call_command("generate_cases", "--cases", "3")
    with (
        override_settings(DEBUG=False),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setitem(connection.settings_dict, "NAME", "ampcase_production")
        with pytest.raises(CommandError, match="may be production"):
            call_command("generate_cases", "--cases", "3", "--yes-this-is-not-production")
    # The test database's name says "test": forced, it writes.
    call_command("generate_cases", "--cases", "3", "--yes-this-is-not-production")
    assert Case.objects.count() == 10


def test_foreign_keys_checked_by_set_after_a_trusted_load():
    if not (connection.vendor == "postgresql" and writer.can_defer_foreign_keys()):
        pytest.skip("needs PostgreSQL as a superuser")
    _make(count=5)
    table = writer.Table(Consent, NOW)
    table.add(
        case_id=Case.objects.order_by("pk").last().pk + 1000,
        purpose="statistics",
        given=True,
        decided_on=NOW.date(),
        method="oral",
        recorded_by_id=Case.objects.first().referred_by_id,
        recorded_at=NOW,
    )
    with transaction.atomic():
        writer.skip_row_triggers()
        table.flush(use_copy=True)
        writer.restore_row_triggers()
        with pytest.raises(ValueError, match="Consent.case = .*no such Case"):
            writer.check_foreign_keys([table])
        transaction.set_rollback(True)
