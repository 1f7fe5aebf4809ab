"""The journey home: a travel plan per attempt, with its travel documents and flights.

A plan goes `planning` → `booked` → `departed` → `arrived`; it may be `cancelled` before
departure, and an `incident` (did not travel, left in transit) ends it where it happened. An
ended plan is kept, never hidden: a new plan is started beside it. At most one plan of a case
is live (not cancelled and not ended by an incident), which the database guarantees.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, can_proceed, transition

from referrals.models import Case, Person

from .permissions import can_cancel, can_change_plan, can_record_arrival


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
    def depart(self) -> None:
        self.departed_at = timezone.now()

    @transition(field=state, source=T.DEPARTED, target=T.ARRIVED, permission=can_record_arrival)
    def arrive(self) -> None:
        self.arrived_at = timezone.now()

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
