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
    first_name = "Tove"
    last_name = "Testsson"
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


# Cases. Factories create a case directly in the state asked for (`state=...`), with what
# that state implies, and sync its object permissions; tests of transitions walk them.

import datetime as dt  # noqa: E402

from django.utils import timezone  # noqa: E402

from referrals.grants import sync_case_permissions  # noqa: E402
from referrals.models import (  # noqa: E402
    Application,
    Case,
    CaseState,
    Consent,
    ConsentPurpose,
    Document,
    EligibilityAssessment,
    Person,
)

LATER_THAN_PREPARING = {
    CaseState.SUBMITTED,
    CaseState.APPROVED,
    CaseState.REJECTED,
    CaseState.IN_TRANSIT,
    CaseState.REINTEGRATION,
    CaseState.CLOSED,
}


# A case made closed: as if closed after its reintegration was completed.
CLOSED_FIELDS = {
    "outcome": "completed",
    "closed_at": dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC),
    "closed_from": CaseState.REINTEGRATION,
}


def coordination_office(code: str = "stockholm") -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        name=f"Regionkoordinator {code}",
        defaults={"kind": OrganisationKind.REGION_COORDINATION, "region": region(code)},
    )
    return organisation


def make_case(
    state: str = CaseState.REFERRED,
    *,
    region_code: str = "stockholm",
    referred_by: User | None = None,
    given_name: str = "Åsa",
    family_name: str = "Öberg",
    date_of_birth: dt.date | None = dt.date(1995, 4, 1),
    destination_country: str = "NG",
    **fields,
) -> Case:
    referred_by = referred_by or make_user(Role.REFERRER)
    submitted = state in LATER_THAN_PREPARING
    case = Case.objects.create(
        reference=Case.allocate_reference(),
        pseudonym="Returnee X",
        region=region(region_code),
        state=state,
        referred_by=referred_by,
        referring_organisation=referred_by.organisation,
        destination_country=destination_country,
        submitted_at=timezone.now() if submitted else None,
        submitted_by=make_user(Role.REGION_COORDINATOR) if submitted else None,
        withdrawn_on=dt.date(2026, 11, 1) if state == CaseState.WITHDRAWN else None,
        **(CLOSED_FIELDS if state == CaseState.CLOSED else {}),
        **fields,
    )
    Person.objects.create(
        case=case,
        relation=Person.Relation.RETURNEE,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        nationality=destination_country,
    )
    sync_case_permissions(case)
    return case


def add_consent(case: Case, purpose: str = ConsentPurpose.IOM_FINLAND, given: bool = True):
    entry = Consent.objects.create(
        case=case,
        purpose=purpose,
        given=given,
        decided_on=dt.date(2026, 11, 2),
        method=Consent.Method.WRITTEN,
        recorded_by=case.referred_by,
    )
    sync_case_permissions(case)
    return entry


def make_ready_to_submit(case: Case) -> Case:
    """Everything DESIGN.md section 5 asks for before submission (this issue's part)."""
    EligibilityAssessment.objects.create(
        case=case,
        basis=EligibilityAssessment.Basis.TRAFFICKING_PRESUMED,
        wants_voluntary_return=True,
        destination=EligibilityAssessment.Destination.ORIGIN,
        assessed_by=case.referred_by,
    )
    add_consent(case)
    Application.objects.create(
        case=case,
        destination_kind="origin",
        in_returnees_language=False,
        interpreter="Ada Tolk (engelska)",
        voluntary_declaration=True,
        declaration_signed_on=dt.date(2026, 11, 3),
        updated_by=case.referred_by,
    )
    make_document(case, Document.Kind.SIGNED_APPLICATION)
    make_risk_table(case, completed=True)
    return case


def make_risk_table(case: Case, *, completed: bool = False, rows=((2, 2),)):
    """A risk table with one row per (likelihood, impact); completed and signed if asked."""
    from risk.models import RiskRow, RiskTable
    from risk.scale import level, overall

    version = case.risk_tables.count() + 1
    table = RiskTable.objects.create(case=case, version=version, created_by=case.referred_by)
    for likelihood, impact in rows:
        RiskRow.objects.create(
            table=table,
            where="home",
            threat="traffickers",
            description="Återrekrytering",
            likelihood=likelihood,
            impact=impact,
            mitigation="Mottagning på flygplatsen",
            responsible="IOM",
        )
    if completed:
        table.complete(signer=case.referred_by)
        table.save()
        Case.objects.filter(pk=case.pk).update(
            risk_level=int(overall(level(lik, imp) for lik, imp in rows))
        )
    return table


def make_document(case: Case, kind: str = Document.Kind.OTHER) -> Document:
    import hashlib
    import uuid

    content = b"%PDF-1.4 test"
    return Document.objects.create(
        case=case,
        kind=kind,
        storage_key=f"te/st/{uuid.uuid4().hex}.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=case.referred_by,
    )


def sample_pdf(text: str = "ÅMP"):
    """A small valid PDF, validated as an upload would be."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from pypdf import PdfWriter

    from ampcase.lib.documents import validate_upload

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    upload = SimpleUploadedFile("signed.pdf", buffer.getvalue(), content_type="application/pdf")
    return validate_upload(upload)


def make_travel_plan(
    case: Case, *, state: str = "planning", flights: int = 1, created_by=None, day=None
):
    """A travel plan ready to be booked: a travel document for every traveller, a chain of
    `flights` flights from ARN starting on `day`, reception arranged. With `state="booked"`
    (or later) it is marked booked as well; departure and arrival are set directly, at the
    planned times, without moving the case.

    `day` is by default a week from today for a plan still to depart, and yesterday for one
    that departed or arrived (a departure or an arrival is never recorded in the future).
    Pass `day=yesterday()` for a booked plan whose departure a test records."""
    from reintegration.models import FlightSegment, TravelDocument, TravelPlan

    plan = TravelPlan.objects.create(
        case=case,
        created_by=created_by or case.referred_by,
        reception="IOM Lagos möter på flygplatsen",
        onward_transport="Bil till Benin City",
    )
    for person in case.people.all():
        TravelDocument.objects.create(
            plan=plan,
            person=person,
            kind="emergency",
            number=f"ETD{person.pk:05d}",
            valid_until=timezone.localdate() + dt.timedelta(days=90),
        )
    airports = ["ARN", "AMS", "CDG", "IST", "ADD", "ACC", "LOS"]
    if day is None:
        made = state in {"departed", "arrived"}
        day = yesterday() if made else timezone.localdate() + dt.timedelta(days=7)
    for n in range(flights):
        FlightSegment.objects.create(
            plan=plan,
            flight_number=f"KL{1100 + n}",
            from_airport=airports[n % len(airports)],
            to_airport=airports[(n + 1) % len(airports)],
            departs_on=day + dt.timedelta(days=n),
            departs_at=dt.time(8, 0),
            arrives_on=day + dt.timedelta(days=n),
            arrives_at=dt.time(12, 0),
        )
    steps = {
        "booked": ["book"],
        "departed": ["book", "depart"],
        "arrived": ["book", "depart", "arrive"],
    }
    first, last = plan.first_and_last_flight()
    for step in steps.get(state, []):
        method = getattr(plan, step)
        if step == "book":
            method(booker=plan.created_by)
        else:
            method(at=first.departs() if step == "depart" else last.arrives())
    plan.save()
    return plan


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def moment_form(moment: dt.datetime, airport: str) -> dict:
    """What the departure or arrival form is sent for `moment`: its date and time as the
    clocks at `airport` show it."""
    from reintegration import airports

    local = moment.astimezone(airports.get(airport).zone)
    return {"on": local.date().isoformat(), "at": local.strftime("%H:%M")}


def planned_arrival_form(plan) -> dict:
    """The arrival form sent with the time the plan's last flight was to land."""
    _first, last = plan.first_and_last_flight()
    return moment_form(last.arrives(), last.to_airport)


def programme_rates():
    """The programme period and rates the data migration seeds (a flush in a transactional
    test empties the table: this puts them back, with the migration's own code)."""
    import importlib

    from django.apps import apps

    from reintegration.models import ProgrammePeriod

    importlib.import_module("reintegration.migrations.0003_programme_rates").seed(apps, None)
    return ProgrammePeriod.objects.get(name="ÅMP")


def make_arrived_case(*, children: int = 0, arrived_on=None, **fields) -> Case:
    """A case in reintegration with consent to share with IOM Finland and the destination's
    office, its journey made, and its budget opened as the arrival opens it."""
    from reintegration.services.followup import schedule
    from reintegration.services.support import open_budget

    programme_rates()
    case = make_case(CaseState.REINTEGRATION, **fields)
    add_consent(case)
    add_consent(case, ConsentPurpose.IOM_DESTINATION)
    for n in range(children):
        Person.objects.create(
            case=case,
            relation=Person.Relation.CHILD,
            given_name=f"Barn{n + 1}",
            family_name="Öberg",
            date_of_birth=dt.date(2020, 1, 1 + n),
        )
    make_travel_plan(case, state="arrived")
    arrived_on = arrived_on or timezone.localdate()
    open_budget(case, by=case.referred_by, arrived_on=arrived_on)
    schedule(case, arrived_on=arrived_on)
    return case
