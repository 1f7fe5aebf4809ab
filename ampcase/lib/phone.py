"""Phone numbers: checked with Google's libphonenumber (the `phonenumbers` package) and kept
in E.164 (+46701234567), the one form every phone and every country office can dial.

A number written without a country code is read as Swedish (`DEFAULT_REGION`): the people
who type them work in Sweden. This module imports no project app.
"""

import re

import phonenumbers
from django import forms, template
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = "SE"

# What people write in a phone number: digits, +, spaces and the usual separators.
# Letters are refused, although libphonenumber would read "1-800-FLOWERS": here they are
# far more likely a note ("call my aunt") than a number.
_WRITTEN_NUMBER = re.compile(r"[0-9 ()./+-]{4,40}")

INVALID = _(
    "Enter a phone number, such as 070-123 45 67, or +234 803 123 4567 for a number abroad."
)


def to_e164(value: str, region: str = DEFAULT_REGION) -> str:
    """`value` as an E.164 number, or ValidationError if it is not a phone number."""
    value = value.strip()
    if not _WRITTEN_NUMBER.fullmatch(value):
        raise ValidationError(INVALID, code="invalid_phone")
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(INVALID, code="invalid_phone") from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneInput(forms.TextInput):
    """A phone's dial pad on phones, and the browser's autofill for phone numbers."""

    input_type = "tel"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "tel", **(attrs or {})})


class PhoneField(forms.CharField):
    """A phone number, cleaned to E.164 ("" when left empty and not required)."""

    widget = PhoneInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("help_text", _("With the country code if the number is not Swedish."))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return ""
        return to_e164(value)


def readable(value: str) -> str:
    """An E.164 number as people read and dial it: "+46 70 123 45 67". Anything that does not
    parse (a number stored before numbers were checked) is shown as it was written."""
    if not value:
        return value
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# `{% load phone %}` then `{{ person.phone|phone }}`.
register = template.Library()
register.filter("phone", readable)
