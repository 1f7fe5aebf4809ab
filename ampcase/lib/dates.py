"""Dates typed by people: one form field with a sensible range, for every form of the app.

A browser's date input accepts any year from 0001 to 275760, and Python's `date` anything up to
9999-12-31: one more day and arithmetic on it raises `OverflowError`. No date in this programme
lies before 1900 (a birth date) or more than about ten years ahead (a document's validity, a
period's end), so every date field refuses what lies outside that range, with a message that
says the range, before any form or service computes with it.

ModelForms get the field through `formfield_callback = dates.formfield` in their Meta; forms
declare `dates.DateField(...)`. `tests/lib/test_dates.py` walks every form of the project and
refuses a date field that is not this one.
"""

import datetime
from collections.abc import Callable

from django import forms
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

EARLIEST = datetime.date(1900, 1, 1)
YEARS_AHEAD = 10


def latest() -> datetime.date:
    """The last day of the year ten years from now."""
    return datetime.date(timezone.localdate().year + YEARS_AHEAD, 12, 31)


def today() -> datetime.date:
    return timezone.localdate()


Bound = datetime.date | Callable[[], datetime.date]


def _resolve(bound: Bound) -> datetime.date:
    return bound() if callable(bound) else bound


class DateInput(forms.DateInput):
    """The browser's date picker, with the ISO format it sends and expects."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateField(forms.DateField):
    """A date between `earliest` and `latest` (dates, or callables giving one, such as
    `dates.today` for "not in the future")."""

    widget = DateInput
    default_error_messages = {
        "too_early": _("Enter a date on or after %(date)s."),
        "too_late": _("Enter a date on or before %(date)s."),
        "in_future": _("The date cannot be in the future."),
    }

    def __init__(self, *, earliest: Bound = EARLIEST, latest: Bound = latest, **kwargs):
        self.earliest = earliest
        self.latest = latest
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        earliest, last = _resolve(self.earliest), _resolve(self.latest)
        if value < earliest:
            raise forms.ValidationError(
                self.error_messages["too_early"],
                code="too_early",
                params={"date": formats.date_format(earliest, "DATE_FORMAT")},
            )
        if value > last:
            if self.latest is today:
                raise forms.ValidationError(self.error_messages["in_future"], code="in_future")
            raise forms.ValidationError(
                self.error_messages["too_late"],
                code="too_late",
                params={"date": formats.date_format(last, "DATE_FORMAT")},
            )

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # Fixed bounds go to the browser's picker too; moving ones ("today") would go stale
        # on a form built at import time, so the server alone enforces them.
        if not callable(self.earliest):
            attrs["min"] = self.earliest.isoformat()
        return attrs


def formfield(db_field: models.Field, **kwargs) -> forms.Field | None:
    """`Meta.formfield_callback` for ModelForms: model date fields become `DateField`."""
    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("form_class", DateField)
    return db_field.formfield(**kwargs)
