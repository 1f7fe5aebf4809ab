import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ampcase.lib import dates
from ampcase.lib.documents import DocumentField
from ampcase.lib.money import MoneyField
from referrals.models import Person

from . import airports
from .models import (
    Category,
    Contract,
    FlightSegment,
    Method,
    Payee,
    Provider,
    ReintegrationPlan,
    SupportService,
    TravelDocument,
    TravelPlan,
)
from .services import travel as travel_services
from .services.travel import FLIGHT_FIELDS, PLAN_FIELDS


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class TravelPlanForm(forms.ModelForm):
    class Meta:
        model = TravelPlan
        fields = list(PLAN_FIELDS)
        widgets = {
            "reception": forms.Textarea(attrs={"rows": 3}),
            "onward_transport": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


AIRPORT = re.compile(r"^[A-Z]{3}$")
FLIGHT_NUMBER = re.compile(r"^[A-Z0-9]{2}[0-9]{1,4}[A-Z]?$")


class FlightForm(forms.ModelForm):
    class Meta:
        model = FlightSegment
        fields = list(FLIGHT_FIELDS)
        # A code of the wrong length gets the same message as any other bad code.
        error_messages = {
            name: {"max_length": _("Write the airport's three-letter code, e.g. ARN.")}
            for name in ("from_airport", "to_airport")
        }
        formfield_callback = dates.formfield
        widgets = {
            "departs_at": TimeInput(),
            "arrives_at": TimeInput(),
        }

    def clean_flight_number(self):
        value = self.cleaned_data["flight_number"].replace(" ", "").upper()
        if not FLIGHT_NUMBER.match(value):
            raise forms.ValidationError(
                _("Write the flight number as on the ticket: airline code and number, e.g. SK1427.")
            )
        return value

    def _airport(self, name):
        value = self.cleaned_data[name].strip().upper()
        if not AIRPORT.match(value):
            raise forms.ValidationError(_("Write the airport's three-letter code, e.g. ARN."))
        return value

    def clean_from_airport(self):
        return self._airport("from_airport")

    def clean_to_airport(self):
        return self._airport("to_airport")

    def clean(self):
        data = super().clean()
        if data.get("from_airport") and data.get("from_airport") == data.get("to_airport"):
            self.add_error("to_airport", _("The flight must land at another airport."))
        departs_on = data.get("departs_on")
        if departs_on and departs_on < timezone.localdate():
            self.add_error("departs_on", _("The departure date cannot be in the past."))
        # Unknown airports, and departure and arrival compared as instants (each local time
        # at its own airport): the service's own rules, shown next to the fields.
        if all(data.get(name) is not None for name in FLIGHT_FIELDS if name in self.fields):
            for name, message in travel_services.flight_problems(data):
                if name not in self.errors:
                    self.add_error(name, message)
        return data


class JourneyMomentForm(forms.Form):
    """When the returnee left, or arrived: a date and a time as the clocks at the airport
    showed them (the first flight's departure airport, or the last flight's arrival airport),
    stored as an instant. Starts from the planned moment; refused in the future, or more
    than a day before the first flight (a departure), or before the departure (an arrival)."""

    on = dates.DateField(label=_("Date"))
    at = forms.TimeField(label=_("Time"), widget=TimeInput())

    def __init__(self, data=None, *, plan: TravelPlan, departing: bool):
        super().__init__(data)
        self.plan = plan
        self.departing = departing
        _flight, code = travel_services.journey_end(plan, departing)
        airport = airports.get(code)
        self.zone = airport.zone if airport else timezone.get_current_timezone()
        planned = (
            travel_services.planned_departure(plan)
            if departing
            else travel_services.planned_arrival(plan)
        )
        if planned is not None:
            local = planned.astimezone(self.zone)
            self.initial = {"on": local.date(), "at": local.time().replace(second=0)}
        place = str(airport) if airport else code
        if departing:
            self.fields["on"].label = _("Date of departure")
            self.fields["at"].label = _("Time of departure")
            help_text = _(
                "Local time at %(airport)s, where the first flight leaves. Filled in with the "
                "planned time: change it if the flight left at another time."
            )
        else:
            self.fields["on"].label = _("Date of arrival")
            self.fields["at"].label = _("Time of arrival")
            help_text = _(
                "Local time at %(airport)s, where the last flight lands. Filled in with the "
                "planned time: change it if the flight landed at another time."
            )
        self.fields["on"].help_text = help_text % {"airport": place}

    def clean(self):
        data = super().clean()
        if data.get("on") is None or data.get("at") is None:
            return data
        moment = dt.datetime.combine(data["on"], data["at"], tzinfo=self.zone)
        problem = (
            travel_services.departure_problem(self.plan, moment)
            if self.departing
            else travel_services.arrival_problem(self.plan, moment)
        )
        if problem:
            self.add_error("on", problem)
        data["moment"] = moment
        return data


class TravelDocumentForm(forms.ModelForm):
    class Meta:
        model = TravelDocument
        fields = ["kind", "number", "valid_until"]
        widgets = {"kind": forms.RadioSelect}
        formfield_callback = dates.formfield

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()

    def clean_valid_until(self):
        value = self.cleaned_data["valid_until"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("This document has expired."))
        return value


# Reintegration support.

# No single payment of the programme comes near this; a typing slip does.
LARGEST_PAYMENT = Decimal("10000.00")


class SupportPlanForm(forms.ModelForm):
    services = forms.MultipleChoiceField(
        label=_("Services chosen"),
        choices=SupportService.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ReintegrationPlan
        fields = ["needs_and_goals", "services"]
        widgets = {"needs_and_goals": forms.Textarea(attrs={"rows": 5})}


class ChildShareForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), choices=Category.choices, widget=forms.RadioSelect
    )
    granted = forms.BooleanField(
        label=_("The child's share of this category is granted"), required=False
    )
    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Say why.")},
    )


class PaymentForm(forms.Form):
    """A payment asked for, or changed: every rule of the programme is checked by the service
    (`support.request_problems`), and its words shown here next to the fields."""

    beneficiary = forms.ModelChoiceField(
        queryset=Person.objects.none(), label=_("Beneficiary"), empty_label=None
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=Category.choices, widget=forms.RadioSelect
    )
    month = forms.TypedChoiceField(
        label=_("Month after arrival"),
        choices=[("", "—"), *((m, str(m)) for m in range(1, 7))],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("For subsistence only: the month after arrival it covers."),
    )
    amount = MoneyField(label=_("Amount (USD)"), max_value=LARGEST_PAYMENT)
    payee = forms.ChoiceField(label=_("Paid to"), choices=Payee.choices, widget=forms.RadioSelect)
    provider = forms.ModelChoiceField(
        queryset=Provider.objects.none(),
        label=_("Provider"),
        required=False,
        help_text=_("For a payment to a provider: one registered in the destination country."),
    )
    contract = forms.ModelChoiceField(
        queryset=Contract.objects.none(),
        label=_("Contract"),
        required=False,
        help_text=_("Required for the reintegration grant."),
    )
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, widget=forms.RadioSelect)
    description = forms.CharField(label=_("What it is for"), max_length=300, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["beneficiary"].queryset = case.people.all()
        self.fields["beneficiary"].label_from_instance = lambda person: (
            f"{person.given_name} {person.family_name}"
        )
        providers = Provider.objects.filter(country=case.destination_country)
        self.fields["provider"].queryset = providers
        self.fields["contract"].queryset = Contract.objects.filter(
            provider__in=providers
        ).select_related("provider")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        from .services.support import request_problems

        for problem in request_problems(self.case, data, timezone.localdate()):
            self.add_error(None, problem)
        return data


class RateField(forms.CharField):
    """An exchange rate typed by a person: plain digits, at most six decimals after a point
    or a comma, more than zero (no exponents, signs or thousands separators)."""

    PLAIN = re.compile(r"^[0-9]{1,12}(?:[.,][0-9]{1,6})?$")

    def to_python(self, value):
        text = super().to_python(value).strip()
        if text in self.empty_values:
            return None
        if not self.PLAIN.match(text):
            raise forms.ValidationError(
                _("Write the rate in digits, with at most six decimals, such as 1550 or 4.6.")
            )
        rate = Decimal(text.replace(",", "."))
        if rate <= 0:
            raise forms.ValidationError(_("The rate must be more than zero."))
        return rate


class DisbursementForm(forms.Form):
    on = dates.DateField(label=_("Paid on"), latest=dates.today)
    reference = forms.CharField(
        label=pgettext_lazy("payment", "Reference"),
        max_length=100,
        help_text=_("The receipt number of the cash book, or the bank transfer's reference."),
    )
    local_currency = forms.CharField(
        label=_("Local currency"),
        max_length=3,
        min_length=3,
        help_text=_("Its three-letter code, e.g. NGN."),
        error_messages={
            "min_length": _("Write the local currency's three-letter code."),
            "max_length": _("Write the local currency's three-letter code."),
        },
    )
    local_amount = MoneyField(
        label=_("Amount paid in local currency"),
        max_digits=16,
        help_text=_("As paid, such as 232500 or 232500.50."),
        error_messages={
            "currency": _("Enter the amount as a number only; the currency goes in its own field.")
        },
    )
    exchange_rate = RateField(
        label=_("Exchange rate used (local currency per USD)"),
        help_text=_("Such as 1550 or 4.6."),
    )

    def clean_local_currency(self):
        value = self.cleaned_data["local_currency"].strip().upper()
        if not CURRENCY.match(value) or value == "USD":
            raise forms.ValidationError(_("Write the local currency's three-letter code."))
        return value


CURRENCY = re.compile(r"^[A-Z]{3}$")


class ReceiptForm(forms.Form):
    file = DocumentField(label=_("Receipt or invoice"))


class ProviderForm(forms.ModelForm):
    class Meta:
        model = Provider
        fields = ["country", "name", "kind", "contact"]
        widgets = {"kind": forms.RadioSelect, "contact": forms.Textarea(attrs={"rows": 3})}


class ContractForm(forms.Form):
    what = forms.CharField(label=_("What"), max_length=200)
    starts_on = dates.DateField(label=_("From"))
    ends_on = dates.DateField(label=_("Until"))
    ceiling = MoneyField(label=_("Ceiling (USD)"), max_value=Decimal("1000000.00"))

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The contract must end after it starts."))
        return data
