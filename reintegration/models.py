"""The journey home: a travel plan per attempt, with its travel documents and flights.

A plan goes `planning` → `booked` → `departed` → `arrived`; it may be `cancelled` before
departure, and an `incident` (did not travel, left in transit) ends it where it happened. An
ended plan is kept, never hidden: a new plan is started beside it. At most one plan of a case
is live (not cancelled and not ended by an incident), which the database guarantees.
"""

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField
from django_fsm import ConcurrentTransitionMixin, FSMField, can_proceed, transition

from referrals.models import Case, Person

from . import airports
from .permissions import (
    can_ask_payment,
    can_cancel,
    can_change_plan,
    can_decide_payment,
    can_pay_out,
    can_record_arrival,
)


class TravelState(models.TextChoices):
    PLANNING = "planning", pgettext_lazy("travel state", "Planning")
    BOOKED = "booked", pgettext_lazy("travel state", "Booked")
    DEPARTED = "departed", pgettext_lazy("travel state", "Departed")
    ARRIVED = "arrived", pgettext_lazy("travel state", "Arrived")
    CANCELLED = "cancelled", pgettext_lazy("travel state", "Cancelled")
    INCIDENT = "incident", pgettext_lazy("travel state", "Incident")


T = TravelState
LIVE_STATES = [T.PLANNING, T.BOOKED, T.DEPARTED, T.ARRIVED]
ENDED_STATES = [T.CANCELLED, T.INCIDENT]


class TravelPlan(ConcurrentTransitionMixin, models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="travel_plans")
    state = FSMField(_("state"), default=T.PLANNING, choices=TravelState.choices, protected=True)
    escort_needed = models.BooleanField(
        _("an escort travels with the returnee the whole way"), default=False
    )
    escort = models.CharField(
        _("escort"),
        max_length=200,
        blank=True,
        help_text=_(
            "Name and organisation of the escort. Needed before booking if an escort travels."
        ),
    )
    reception = models.TextField(
        _("reception at the arrival airport"),
        max_length=2000,
        blank=True,
        help_text=_(
            "Who meets the returnee at the arrival airport, and how they recognise each other."
        ),
    )
    onward_transport = models.TextField(
        _("onward transport"),
        max_length=2000,
        blank=True,
        help_text=_("From the arrival airport to where the returnee will stay."),
    )
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    booked_at = models.DateTimeField(null=True, blank=True)
    departed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    # Why the plan was cancelled, or what happened in an incident.
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(_("what happened"), max_length=4000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("travel plan")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state__in=LIVE_STATES),
                name="one_live_travel_plan_per_case",
            ),
            models.CheckConstraint(
                condition=Q(state__in=TravelState.values), name="travel_state_is_known"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[T.PLANNING, T.CANCELLED]) | Q(booked_at__isnull=False),
                name="travel_booked_has_booking_time",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[T.DEPARTED, T.ARRIVED]) | Q(departed_at__isnull=False),
                name="travel_departed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=T.ARRIVED) | Q(arrived_at__isnull=False),
                name="travel_arrived_has_time",
            ),
            models.CheckConstraint(
                condition=Q(arrived_at__isnull=True) | Q(arrived_at__gte=models.F("departed_at")),
                name="travel_arrives_after_departure",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=ENDED_STATES)
                | (Q(ended_at__isnull=False) & ~Q(end_reason="")),
                name="travel_ended_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[T.PLANNING, *ENDED_STATES])
                | Q(escort_needed=False)
                | ~Q(escort=""),
                name="travel_booked_escort_is_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} travel"

    # What a page or a service says when the plan moved on before the user's step arrived.
    now_message = _("The travel plan is now “%(state)s”, so this cannot be done. Reload the page.")

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    def first_and_last_flight(self) -> tuple["FlightSegment | None", "FlightSegment | None"]:
        """The flight the journey starts with and the one it ends with (None without
        flights). Reads `flights.all()`, so a page may prefetch them."""
        flights = list(self.flights.all())
        return (flights[0], flights[-1]) if flights else (None, None)

    @property
    def open_for_changes(self) -> bool:
        """Flights, documents and arrangements change while the plan can still be booked."""
        return can_proceed(self.book)

    # Transitions: only the fields of the new state. Conditions are checked, and permissions
    # asked, in services.py, which alone calls these.

    @transition(field=state, source=T.PLANNING, target=T.BOOKED, permission=can_change_plan)
    def book(self, booker) -> None:
        self.booked_by = booker
        self.booked_at = timezone.now()

    @transition(field=state, source=T.BOOKED, target=T.PLANNING, permission=can_change_plan)
    def reopen(self) -> None:
        self.booked_by = None
        self.booked_at = None

    @transition(field=state, source=T.BOOKED, target=T.DEPARTED, permission=can_change_plan)
    def depart(self, at: dt.datetime) -> None:
        self.departed_at = at

    @transition(field=state, source=T.DEPARTED, target=T.ARRIVED, permission=can_record_arrival)
    def arrive(self, at: dt.datetime) -> None:
        self.arrived_at = at

    @transition(
        field=state, source=[T.PLANNING, T.BOOKED], target=T.CANCELLED, permission=can_cancel
    )
    def cancel(self, reason: str) -> None:
        self.ended_at = timezone.now()
        self.end_reason = reason

    @transition(
        field=state, source=[T.BOOKED, T.DEPARTED], target=T.INCIDENT, permission=can_change_plan
    )
    def report_incident(self, description: str) -> None:
        self.ended_at = timezone.now()
        self.end_reason = description


class TravelDocument(models.Model):
    """The document one traveller (the returnee or an accompanying child) travels on."""

    class Kind(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        EMERGENCY = "emergency", _("Emergency travel document")

    plan = models.ForeignKey(TravelPlan, on_delete=models.CASCADE, related_name="documents")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind of document"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("document number"), max_length=40)
    valid_until = models.DateField(_("valid until"))

    class Meta:
        ordering = ["person__relation", "person__date_of_birth", "id"]
        verbose_name = _("travel document")
        constraints = [
            models.UniqueConstraint(fields=["plan", "person"], name="one_travel_document_each"),
            models.CheckConstraint(
                condition=Q(kind__in=["passport", "emergency"]), name="travel_document_kind_known"
            ),
        ]


class FlightSegment(models.Model):
    """One flight of the journey. Times are local at each airport, as on the ticket."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(TravelPlan, on_delete=models.CASCADE, related_name="flights")
    flight_number = models.CharField(
        _("flight number"), max_length=8, help_text=_("As on the ticket, e.g. SK1427.")
    )
    from_airport = models.CharField(
        _("from (airport code)"), max_length=3, help_text=_("Three letters, e.g. ARN.")
    )
    to_airport = models.CharField(
        _("to (airport code)"), max_length=3, help_text=_("Three letters, e.g. LOS.")
    )
    departs_on = models.DateField(_("departure date"))
    departs_at = models.TimeField(_("departure time (local)"))
    arrives_on = models.DateField(_("arrival date"))
    arrives_at = models.TimeField(_("arrival time (local)"))
    assistance_on_arrival = models.BooleanField(
        _("IOM assistance at the arrival airport of this flight"),
        default=False,
        help_text=_(
            "For a transit airport: someone meets the returnee and helps to the next flight."
        ),
    )

    class Meta:
        ordering = ["departs_on", "departs_at", "id"]
        verbose_name = _("flight")
        constraints = [
            models.CheckConstraint(
                condition=Q(from_airport__regex=r"^[A-Z]{3}$") & Q(to_airport__regex=r"^[A-Z]{3}$"),
                name="flight_airports_are_codes",
            ),
            models.CheckConstraint(
                condition=~Q(from_airport=models.F("to_airport")),
                name="flight_goes_somewhere",
            ),
        ]

    def departs(self) -> dt.datetime:
        """The moment the flight leaves, from the local time at its airport."""
        return airports.local_instant(
            self.from_airport, self.departs_on, self.departs_at, ZoneInfo(settings.TIME_ZONE)
        )

    def arrives(self) -> dt.datetime:
        """The moment the flight lands, from the local time at its airport."""
        return airports.local_instant(
            self.to_airport, self.arrives_on, self.arrives_at, ZoneInfo(settings.TIME_ZONE)
        )


# Reintegration support (DESIGN.md section 7): the programme's rates, the returnee's plan,
# what each beneficiary is entitled to, the providers, and the payments.


class Category(models.TextChoices):
    SUBSISTENCE = "subsistence", _("Monthly subsistence")
    GRANT = "grant", _("Reintegration grant")
    MEDICAL = "medical", _("Medical")


class ProgrammePeriod(models.Model):
    """A period of the programme and its rates. A case takes the rates of the period it
    arrived in: a new period is new rows, and never changes what older cases were given."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    starts_on = models.DateField(_("starts on"), unique=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    child_share = models.DecimalField(
        _("share of an accompanying child"),
        max_digits=3,
        decimal_places=2,
        help_text=_("Of each category's amount, when granted for the child: 0.50 is 50 %."),
    )

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("programme period")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="period_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(child_share__gte=0, child_share__lte=1),
                name="period_child_share_is_a_share",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def on(cls, day) -> "ProgrammePeriod | None":
        """The period that `day` falls in."""
        return (
            cls.objects.filter(starts_on__lte=day)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
            .order_by("-starts_on")
            .first()
        )


class Rate(models.Model):
    """What an adult may receive in one category in a period: for subsistence, `amount` a
    month for `months` months after arrival."""

    period = models.ForeignKey(ProgrammePeriod, on_delete=models.PROTECT, related_name="rates")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    amount = models.DecimalField(_("amount (USD)"), max_digits=12, decimal_places=2)
    months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)

    class Meta:
        ordering = ["period", "category"]
        verbose_name = _("rate")
        constraints = [
            models.UniqueConstraint(fields=["period", "category"], name="one_rate_per_category"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="rate_is_positive"),
            models.CheckConstraint(
                condition=Q(category=Category.SUBSISTENCE, months__gte=1)
                | (~Q(category=Category.SUBSISTENCE) & Q(months__isnull=True)),
                name="rate_months_for_subsistence_only",
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="rate_category_is_known"
            ),
        ]


class SupportService(models.TextChoices):
    HOUSING = "housing", _("Shelter or housing")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial care")
    REHABILITATION = "rehabilitation", _("Rehabilitation")
    EDUCATION = "education", _("Education")
    VOCATIONAL = "vocational", _("Vocational training")
    INTERNSHIP = "internship", _("Internship")
    BUSINESS = "business", _("Small business")


class ReintegrationPlan(models.Model):
    """The returnee's reintegration plan, opened when the returnee arrives (which fixes the
    programme period whose rates the case takes, and from when the months count)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="support_plan")
    period = models.ForeignKey(ProgrammePeriod, on_delete=models.PROTECT, related_name="+")
    arrived_on = models.DateField(_("arrived on"))
    needs_and_goals = models.TextField(_("needs and goals"), max_length=4000, blank=True)
    services = models.JSONField(_("services chosen"), default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reintegration plan")

    def get_services_display(self) -> list[str]:
        labels = dict(SupportService.choices)
        return [str(labels[value]) for value in self.services if value in labels]


class ChildShare(models.Model):
    """Whether an accompanying child's share of one category is granted: decided case by
    case, with who decided and why."""

    plan = models.ForeignKey(ReintegrationPlan, on_delete=models.CASCADE, related_name="shares")
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    granted = models.BooleanField(_("granted"))
    reason = models.TextField(_("why"), max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["child_id", "category"]
        verbose_name = _("child's share")
        constraints = [
            models.UniqueConstraint(fields=["child", "category"], name="one_share_per_category"),
            models.CheckConstraint(condition=~Q(reason=""), name="child_share_has_reason"),
        ]


class Entitlement(models.Model):
    """What one beneficiary may receive in one category (for subsistence: in one month after
    arrival), and how much of it the payments that are not rejected or cancelled commit. The
    payment services lock this row: the database refuses to commit more than the cap, even
    if two people ask at the same moment."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entitlements")
    beneficiary = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    month = models.PositiveSmallIntegerField(_("month after arrival"), null=True, blank=True)
    cap = models.DecimalField(_("entitlement (USD)"), max_digits=12, decimal_places=2)
    committed = models.DecimalField(
        _("committed (USD)"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        ordering = ["beneficiary_id", "category", "month"]
        verbose_name = _("entitlement")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "category", "month"],
                condition=Q(month__isnull=False),
                name="one_entitlement_per_month",
            ),
            models.UniqueConstraint(
                fields=["beneficiary", "category"],
                condition=Q(month__isnull=True),
                name="one_entitlement_per_category",
            ),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=models.F("cap")),
                name="entitlement_never_overspent",
            ),
            models.CheckConstraint(
                condition=Q(category=Category.SUBSISTENCE, month__gte=1)
                | (~Q(category=Category.SUBSISTENCE) & Q(month__isnull=True)),
                name="entitlement_month_for_subsistence_only",
            ),
        ]

    @property
    def free(self) -> Decimal:
        return self.cap - self.committed


class ProviderKind(models.TextChoices):
    CLINIC = "clinic", _("Clinic")
    SCHOOL = "school", _("School")
    TRAINING = "training", _("Training centre")
    LANDLORD = "landlord", _("Landlord")
    SUPPLIER = "supplier", _("Supplier")


class Provider(models.Model):
    """A provider in a destination country, paid directly for services or goods."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    country = CountryField(_("country"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ProviderKind.choices)
    contact = models.TextField(
        _("address and contact"), max_length=1000, blank=True, help_text=_("How to reach them.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("provider")
        constraints = [
            models.UniqueConstraint(fields=["country", "name"], name="provider_name_per_country"),
        ]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """What a provider delivers, for how long, up to how much. Payments to the provider under
    the contract never commit more than its ceiling."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="contracts")
    what = models.CharField(_("what"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    ceiling = models.DecimalField(_("ceiling (USD)"), max_digits=12, decimal_places=2)
    committed = models.DecimalField(
        _("committed (USD)"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["provider", "-starts_on"]
        verbose_name = _("contract")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="contract_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(ceiling__gt=0), name="contract_ceiling_positive"),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=models.F("ceiling")),
                name="contract_never_overspent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider.name}: {self.what}"


class PaymentState(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("payment state", "Requested")
    APPROVED = "approved", pgettext_lazy("payment state", "Approved")
    REJECTED = "rejected", pgettext_lazy("payment state", "Rejected")
    DISBURSED = "disbursed", pgettext_lazy("payment state", "Disbursed")
    CANCELLED = "cancelled", pgettext_lazy("payment state", "Cancelled")
    RECONCILED = "reconciled", pgettext_lazy("payment state", "Reconciled")


class Payee(models.TextChoices):
    RETURNEE = "returnee", _("The returnee")
    PROVIDER = "provider", _("A provider")
    REIMBURSEMENT = "reimbursement", _("Reimbursement against a receipt")


class Method(models.TextChoices):
    CASH = "cash", _("Cash at the IOM office")
    BANK = "bank", _("Bank transfer")
    DIRECT = "direct", _("Direct to the provider")


P = PaymentState
# Payments that commit their amount to the budget: all but the rejected and the cancelled.
NOT_COMMITTED = [P.REJECTED, P.CANCELLED]
# The state a payment is in once its money has left the office.
PAID = [P.DISBURSED, P.RECONCILED]


class Payment(ConcurrentTransitionMixin, models.Model):
    """A payment of reintegration support, approved in advance by an IOM Finland approver
    (never the requester) and disbursed by the destination's IOM office (never the approver).
    An approval covers exactly what was approved: a change sends the payment back to the
    approvers' queue."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="payments")
    beneficiary = models.ForeignKey(
        Person, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    month = models.PositiveSmallIntegerField(
        _("month after arrival"),
        null=True,
        blank=True,
        help_text=_("For subsistence: the month after arrival it covers, 1 to 6."),
    )
    amount = models.DecimalField(_("amount (USD)"), max_digits=12, decimal_places=2)
    payee = models.CharField(_("paid to"), max_length=20, choices=Payee.choices)
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    description = models.CharField(_("what it is for"), max_length=300, blank=True)
    state = FSMField(_("state"), default=P.REQUESTED, choices=PaymentState.choices, protected=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    # The approver's decision, approval or rejection.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    local_currency = models.CharField(_("local currency"), max_length=3, blank=True)
    local_amount = models.DecimalField(
        _("amount in local currency"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    exchange_rate = models.DecimalField(
        _("exchange rate (local currency per USD)"),
        max_digits=18,
        decimal_places=6,
        null=True,
        blank=True,
    )
    receipt = models.ForeignKey(
        "referrals.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voucher = models.ForeignKey(
        "referrals.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reconciled_at = models.DateTimeField(null=True, blank=True)
    # Why it was rejected or cancelled.
    end_reason = models.TextField(_("reason"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("payment")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=PaymentState.values), name="payment_state_is_known"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_is_positive"),
            models.CheckConstraint(
                condition=Q(category=Category.SUBSISTENCE, month__gte=1, month__lte=24)
                | (~Q(category=Category.SUBSISTENCE) & Q(month__isnull=True)),
                name="payment_month_for_subsistence_only",
            ),
            # Subsistence goes to the returnee, in cash or by bank; the grant only ever to a
            # provider under a contract; medical to a provider or as a reimbursement.
            models.CheckConstraint(
                condition=~Q(category=Category.SUBSISTENCE)
                | Q(payee=Payee.RETURNEE, method__in=[Method.CASH, Method.BANK]),
                name="payment_subsistence_to_the_returnee",
            ),
            models.CheckConstraint(
                condition=~Q(category=Category.GRANT)
                | Q(payee=Payee.PROVIDER, contract__isnull=False),
                name="payment_grant_to_a_provider_under_contract",
            ),
            models.CheckConstraint(
                condition=~Q(category=Category.MEDICAL)
                | Q(payee__in=[Payee.PROVIDER, Payee.REIMBURSEMENT]),
                name="payment_medical_to_provider_or_reimbursed",
            ),
            models.CheckConstraint(
                condition=(
                    Q(payee=Payee.PROVIDER) & Q(provider__isnull=False, method=Method.DIRECT)
                )
                | (~Q(payee=Payee.PROVIDER) & Q(provider__isnull=True) & ~Q(method=Method.DIRECT)),
                name="payment_provider_paid_directly",
            ),
            models.CheckConstraint(
                condition=Q(contract__isnull=True) | Q(provider__isnull=False),
                name="payment_contract_has_its_provider",
            ),
            # Four eyes: nobody approves their own request, nobody disburses what they approved.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="payment_never_decided_by_its_requester",
            ),
            models.CheckConstraint(
                condition=Q(disbursed_by__isnull=True) | ~Q(disbursed_by=models.F("decided_by")),
                name="payment_never_disbursed_by_its_approver",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[P.REQUESTED, P.CANCELLED]) | Q(decided_by__isnull=False),
                name="payment_decided_has_its_decider",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=PAID)
                | Q(
                    disbursed_by__isnull=False,
                    disbursed_on__isnull=False,
                    local_amount__isnull=False,
                    exchange_rate__isnull=False,
                )
                & ~Q(local_currency="")
                & ~Q(reference=""),
                name="payment_disbursed_is_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(state=P.RECONCILED) | Q(receipt__isnull=False),
                name="payment_reconciled_has_receipt",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=PAID, payee=Payee.REIMBURSEMENT) | Q(receipt__isnull=False),
                name="payment_reimbursed_against_receipt",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=NOT_COMMITTED) | ~Q(end_reason=""),
                name="payment_ended_has_reason",
            ),
            models.UniqueConstraint(
                fields=["beneficiary", "month"],
                condition=Q(category=Category.SUBSISTENCE) & ~Q(state__in=NOT_COMMITTED),
                name="one_subsistence_payment_a_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.get_category_display()} {self.amount}"

    # What a page or a service says when the payment moved on before the user's step arrived.
    now_message = _("The payment is now “%(state)s”, so this cannot be done. Reload the page.")

    @property
    def committed(self) -> bool:
        return self.state not in NOT_COMMITTED

    # Transitions: only the fields of the new state. Conditions are checked, and permissions
    # asked, in services/payments.py, which alone calls these.

    @transition(field=state, source=P.REQUESTED, target=P.APPROVED, permission=can_decide_payment)
    def approve(self, approver) -> None:
        self.decided_by = approver
        self.decided_at = timezone.now()

    @transition(field=state, source=P.REQUESTED, target=P.REJECTED, permission=can_decide_payment)
    def reject(self, approver, reason: str) -> None:
        self.decided_by = approver
        self.decided_at = timezone.now()
        self.end_reason = reason

    @transition(field=state, source=P.APPROVED, target=P.REQUESTED, permission=can_ask_payment)
    def send_back(self) -> None:
        """A change to an approved payment voids the approval."""
        self.decided_by = None
        self.decided_at = None

    @transition(
        field=state,
        source=[P.REQUESTED, P.APPROVED],
        target=P.CANCELLED,
        permission=can_ask_payment,
    )
    def cancel(self, reason: str) -> None:
        self.end_reason = reason

    @transition(field=state, source=P.APPROVED, target=P.DISBURSED, permission=can_pay_out)
    def disburse(self, disburser, on, reference, local_currency, local_amount, rate) -> None:
        self.disbursed_by = disburser
        self.disbursed_on = on
        self.reference = reference
        self.local_currency = local_currency
        self.local_amount = local_amount
        self.exchange_rate = rate

    @transition(field=state, source=P.DISBURSED, target=P.RECONCILED, permission=can_pay_out)
    def reconcile(self, reconciler) -> None:
        self.reconciled_by = reconciler
        self.reconciled_at = timezone.now()


# Follow-up after arrival: monthly contacts for months 1 to 6 (the programme's minimum), and
# further ones the office or IOM Finland add, up to month 24 (the two years in which the risk
# of being trafficked again is highest).

REQUIRED_MONTHS = 6
LAST_MONTH = 24


class ContactWay(models.TextChoices):
    VISIT = "visit", _("Home visit")
    PHONE = "phone", _("Phone")
    OFFICE = "office", _("At the IOM office")
    PARTNER = "partner", _("Through a partner")


class FollowUp(models.Model):
    """One follow-up contact of a case: due in a month after arrival, recorded when made."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    month = models.PositiveSmallIntegerField(_("month after arrival"))
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("date of the contact"), null=True, blank=True)
    how = models.CharField(_("how"), max_length=20, choices=ContactWay.choices, blank=True)
    housing = models.TextField(_("housing"), max_length=2000, blank=True)
    health = models.TextField(_("health"), max_length=2000, blank=True)
    income = models.TextField(_("income or activity"), max_length=2000, blank=True)
    safety = models.TextField(_("safety"), max_length=2000, blank=True)
    threat = models.BooleanField(
        _("signs of renewed exploitation, or threats"),
        default=False,
        help_text=_(
            "IOM Finland and the region coordinator are told at once, and the risk table is to "
            "be reviewed."
        ),
    )
    support_received = models.TextField(_("support received"), max_length=2000, blank=True)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "month"]
        verbose_name = _("follow-up")
        constraints = [
            models.UniqueConstraint(fields=["case", "month"], name="one_follow_up_a_month"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=LAST_MONTH),
                name="follow_up_within_two_years",
            ),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True)
                | (~Q(how="") & Q(recorded_by__isnull=False, recorded_at__isnull=False)),
                name="follow_up_done_is_recorded",
            ),
            models.CheckConstraint(
                condition=Q(done_on__isnull=False) | Q(threat=False),
                name="follow_up_threat_only_when_done",
            ),
        ]

    @property
    def required(self) -> bool:
        return self.month <= REQUIRED_MONTHS

    @property
    def done(self) -> bool:
        return self.done_on is not None


# The reintegration check: a structured look at the economic, social and psychosocial
# dimensions of reintegration, at a baseline (the first contact) and at chosen follow-ups.


class QuestionSet(models.Model):
    """One version of a question set, as loaded from its file (`question_sets.py`): its
    definition is kept whole, so that answers recorded with it can always be read and
    scored again."""

    code = models.CharField(max_length=50)
    version = models.PositiveIntegerField()
    definition = models.JSONField()
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("question set")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="one_question_set_version"),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class ReintegrationCheck(models.Model):
    """The answers of one check: raw answer codes, with the question set they answer."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checks")
    question_set = models.ForeignKey(QuestionSet, on_delete=models.PROTECT, related_name="+")
    # None: the baseline, at the first contact.
    follow_up = models.OneToOneField(
        FollowUp,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reintegration_check",
    )
    done_on = models.DateField(_("date of the check"))
    answers = models.JSONField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "done_on", "id"]
        verbose_name = _("reintegration check")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(follow_up__isnull=True),
                name="one_baseline_check_per_case",
            ),
        ]
