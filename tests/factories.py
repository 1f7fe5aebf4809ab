"""Factories for every model. Regions exist from the data migration and are looked up."""

import factory
from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ampcase.accounts.models import Organisation, OrganisationKind, Region, User
from ampcase.accounts.roles import Role
from ampcase.audit.models import AuditEvent

# The organisation kind each role is normally held in.
ROLE_KIND = {
    Role.REFERRER: OrganisationKind.POLICE,
    Role.REGION_COORDINATOR: OrganisationKind.REGION_COORDINATION,
    Role.SOCIAL_WORKER: OrganisationKind.SOCIAL_SERVICES,
    Role.IOM_CASEWORKER: OrganisationKind.IOM_FINLAND,
    Role.IOM_APPROVER: OrganisationKind.IOM_FINLAND,
    Role.COUNTRY_OFFICE: OrganisationKind.IOM_COUNTRY_OFFICE,
    Role.NATIONAL_COORDINATOR: OrganisationKind.GENDER_EQUALITY_AGENCY,
    Role.ADMINISTRATOR: OrganisationKind.OPERATOR,
}


PASSWORD = "correct horse battery staple"


def region(code: str = "stockholm") -> Region:
    return Region.objects.get(code=code)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.POLICE
    region = factory.Maybe(
        factory.LazyAttribute(
            lambda o: (
                o.kind in (OrganisationKind.REGION_COORDINATION, OrganisationKind.SOCIAL_SERVICES)
            )
        ),
        yes_declaration=factory.LazyFunction(region),
        no_declaration=None,
    )
    country = factory.LazyAttribute(
        lambda o: "NG" if o.kind == OrganisationKind.IOM_COUNTRY_OFFICE else ""
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Åsa"
    last_name = "Öberg"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password(PASSWORD)


def make_user(role: str | None = None, **kwargs) -> User:
    """A user holding `role`, in an organisation of a kind that can hold it."""
    if "organisation" not in kwargs:
        kwargs["organisation"] = OrganisationFactory(
            kind=ROLE_KIND.get(role, OrganisationKind.POLICE)
        )
    kwargs.setdefault("is_staff", role == Role.ADMINISTRATOR)
    user = UserFactory(**kwargs)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "authenticator"
    confirmed = True


class StaticDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaticDevice

    user = factory.SubFactory(UserFactory)
    name = "backup"
    confirmed = True


class StaticTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaticToken

    device = factory.SubFactory(StaticDeviceFactory)
    token = factory.Sequence(lambda n: f"backup{n:04d}")


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(UserFactory)
    organisation = factory.LazyAttribute(lambda e: e.actor.organisation if e.actor else None)
    action = "test.happened"
    summary = "nothing personal"
    ip_address = "127.0.0.1"
