import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.forms import DateInput

from .models import FlightSegment, TravelDocument, TravelPlan
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
        widgets = {
            "departs_on": DateInput(),
            "arrives_on": DateInput(),
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
        departs_on, arrives_on = data.get("departs_on"), data.get("arrives_on")
        if departs_on and departs_on < timezone.localdate():
            self.add_error("departs_on", _("The departure date cannot be in the past."))
        if departs_on and arrives_on and not (-1 <= (arrives_on - departs_on).days <= 2):
            self.add_error("arrives_on", _("The arrival date must be close to the departure date."))
        return data


class TravelDocumentForm(forms.ModelForm):
    class Meta:
        model = TravelDocument
        fields = ["kind", "number", "valid_until"]
        widgets = {"kind": forms.RadioSelect, "valid_until": DateInput()}

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()

    def clean_valid_until(self):
        value = self.cleaned_data["valid_until"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("This document has expired."))
        return value
