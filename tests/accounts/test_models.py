"""Regions, organisations, users and roles, and the database constraints behind them."""

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from ampcase.accounts.models import Organisation, OrganisationKind, Region, User
from ampcase.accounts.roles import ROLE_ORGANISATION_KINDS, ROLE_PERMISSIONS, Role
from tests.factories import make_user, region

pytestmark = pytest.mark.django_db


def test_exactly_the_seven_regions_exist():
    assert sorted(Region.objects.values_list("name", flat=True)) == sorted(
        ["Bergslagen", "Stockholm", "Mitt", "Nord", "Syd", "Väst", "Öst"]
    )


def test_database_refuses_an_eighth_region():
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="gotland", name="Gotland")


def test_database_refuses_a_second_region_with_a_known_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="syd", name="Syd igen")


def test_region_coordination_needs_a_region():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="X", kind=OrganisationKind.REGION_COORDINATION)


def test_iom_office_has_no_swedish_region():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(
            name="IOM X", kind=OrganisationKind.IOM_FINLAND, region=region("syd")
        )


def test_country_office_needs_a_country_and_others_have_none():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="IOM Y", kind=OrganisationKind.IOM_COUNTRY_OFFICE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Polisen", kind=OrganisationKind.POLICE, country="NG")


def test_organisation_form_validation_explains_the_rule():
    from django.core.exceptions import ValidationError

    organisation = Organisation(name="IOM Z", kind=OrganisationKind.IOM_COUNTRY_OFFICE)
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "country" in error.value.message_dict


def test_user_needs_an_organisation_unless_superuser():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="orphan")
    User.objects.create(username="root", is_superuser=True)


def test_every_role_is_a_group_with_its_permissions():
    for role in Role:
        group = Group.objects.get(name=role)
        perms = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert perms == set(ROLE_PERMISSIONS[role]), role


def test_every_role_names_where_it_can_be_held():
    assert set(ROLE_ORGANISATION_KINDS) == set(Role)


def test_administrator_manages_users_and_reads_the_trail_but_sees_no_cases():
    admin = make_user(Role.ADMINISTRATOR)
    assert admin.has_perm("accounts.add_user")
    assert admin.has_perm("audit.view_auditevent")
    assert not admin.has_perm("audit.change_auditevent")
    # The programme's rates are data the administrator keeps; nothing of any case.
    rates = {
        f"reintegration.{verb}_{model}"
        for verb in ("add", "change", "view")
        for model in ("programmeperiod", "rate")
    }
    apps = ("referrals.", "risk.", "reintegration.")
    case_perms = {p for p in admin.get_all_permissions() if p.startswith(apps)}
    assert case_perms == rates


def test_case_workers_hold_no_model_wide_permission_on_users_or_audit():
    for role in Role:
        if role == Role.ADMINISTRATOR:
            continue
        user = make_user(role)
        assert not user.has_perm("accounts.view_user")
        assert not user.has_perm("audit.view_auditevent")


def test_roles_are_read_from_groups():
    user = make_user(Role.IOM_CASEWORKER)
    assert user.roles == {Role.IOM_CASEWORKER}
    assert user.has_role(Role.IOM_CASEWORKER)
    assert not user.has_role(Role.IOM_APPROVER)
