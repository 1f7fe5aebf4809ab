"""Money: amounts in US dollars, typed by people, rounded once and shown in their language.

Every amount in the app is a `Decimal` with two places (`DecimalField(max_digits=12,
decimal_places=2)` in the models). This module is the one place for it:

- `quantize` is the one rounding helper (two places, half up), `ZERO` the one zero;
- `MoneyField` is the form field for an amount a person types. It accepts plain ASCII digits
  with at most two decimals after a point or a comma (Swedish users type a comma): "150",
  "150.00", "150,5", "0.01". It refuses, each with its own message, everything
  `forms.DecimalField` would let through or misread: signs, zero, exponents ("1E3"),
  "NaN" and "Infinity", underscores, spaces and other thousands separators ("1 000,50" is
  refused, because "1,000" could be a thousand or one), digits other than 0 to 9, currency
  signs and codes, more than two decimals, more than one value for the field, and any amount
  above its `max_value`;
- `format_money` (the `money` template filter, `{% load money %}`) writes an amount the way
  the current language does: "1 234,50 USD" in Swedish, "1,234.50 USD" in English.

This module imports no project app, so every app may use it.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms, template
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
DECIMAL_PLACES = 2
MAX_DIGITS = 12


def quantize(value: Decimal | int) -> Decimal:
    """Round to whole cents, halves away from zero: the one rounding helper.

    Floats are refused: `Decimal(2.675)` is 2.67499999..., so a float has lost the amount
    before it could be rounded.
    """
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"Amounts are Decimal or int, not {type(value).__name__}.")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError("An amount must be a finite number.")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: Decimal | int | None) -> str:
    """The amount in the current language, rounded to cents: "1 234,50 USD" in Swedish (with
    non-breaking spaces), "1,234.50 USD" in English; "—" for no amount."""
    if value is None or value == "":
        return "—"
    number = formats.number_format(
        quantize(value), decimal_pos=DECIMAL_PLACES, use_l10n=True, force_grouping=True
    )
    # A non-breaking space, so that a line never ends between the number and its currency.
    return f"{number}\xa0USD"


# Loaded with `{% load money %}`: ampcase.lib is not an app, so settings.TEMPLATES names this
# module as the "money" library.
register = template.Library()
register.filter("money", format_money)


MESSAGES = {
    "required": _("Enter an amount."),
    "multiple": _("Give one amount."),
    "invalid": _("Enter the amount in digits, such as 150 or 150.50."),
    "exponent": _("Write the amount out in full, without an exponent: 1000 rather than 1E3."),
    "grouping": _(
        "Write the amount without spaces or thousands separators, such as 1000 or 1000.50."
    ),
    "digits": _("Write the amount with the digits 0 to 9."),
    "currency": _(
        "Enter the amount as a number only, without a currency: amounts are in US dollars."
    ),
    "negative": _("Enter the amount without a minus sign: an amount is more than zero."),
    "decimal_places": _("Enter at most two digits after the decimal point or comma."),
    "zero": _("Enter an amount greater than zero."),
    "max_value": _("The largest amount allowed is %(max_value)s."),
}

_PLAIN_AMOUNT = re.compile(r"\A([0-9]+)(?:[.,]([0-9]+))?\Z")
_NOT_A_NUMBER = re.compile(r"\A[+-]?(?:s?nan[0-9]*|inf|infinity)\Z", re.IGNORECASE)
_EXPONENT = re.compile(r"\A[+-]?[0-9]*[.,]?[0-9]*[eE][+-]?[0-9]+\Z")
# Hyphen-minus, minus sign, en dash, small and full-width hyphen-minus.
_MINUS_SIGNS = "-\u2212\u2013\ufe63\uff0d"
# Besides spaces, which are checked with str.isspace (non-breaking and thin spaces included).
_GROUPING_CHARACTERS = frozenset("_'\u2019")


class _MultipleValues:
    """What `MoneyInput` reads when a request carries more than one value for the field."""

    def __repr__(self) -> str:
        return "MULTIPLE_VALUES"


MULTIPLE_VALUES = _MultipleValues()


class MoneyInput(forms.TextInput):
    """A text input that brings up a number pad on phones and reports a repeated field.

    Django's widgets read `data.get(name)`, which takes the last of several values; a request
    with two amounts for one field is refused instead of guessed at.
    """

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getlist = getattr(data, "getlist", None)
        if getlist is None:
            return data.get(name)
        values = getlist(name)
        if len(values) > 1:
            return MULTIPLE_VALUES
        return values[0] if values else None

    def format_value(self, value: Any) -> str | None:
        if value is MULTIPLE_VALUES:
            return None
        # With a point, whatever the language: str() would write Decimal("1E+3") as "1E+3",
        # which the field itself refuses.
        if isinstance(value, Decimal) and value.is_finite():
            return format(quantize(value), "f")
        return super().format_value(value)


class MoneyField(forms.Field):
    """An amount in US dollars typed by a person; cleans to a `Decimal` with two places.

    `max_value` caps the amount (the refusal names it); it defaults to the largest amount
    `max_digits` allows. `max_digits` and `decimal_places` are accepted so that a ModelForm can
    use this field for a model's `DecimalField`; only two decimal places make sense for cents.
    """

    widget = MoneyInput
    default_error_messages = MESSAGES

    def __init__(
        self,
        *,
        max_value: Decimal | int | None = None,
        max_digits: int = MAX_DIGITS,
        decimal_places: int = DECIMAL_PLACES,
        **kwargs: Any,
    ) -> None:
        if decimal_places != DECIMAL_PLACES:
            raise ImproperlyConfigured("A MoneyField has exactly two decimal places.")
        largest = Decimal(10) ** (max_digits - DECIMAL_PLACES) - CENT
        if max_value is None:
            max_value = largest
        elif isinstance(max_value, bool) or not isinstance(max_value, (Decimal, int)):
            raise ImproperlyConfigured("A MoneyField's max_value is a Decimal or an int.")
        elif not CENT <= max_value <= largest or quantize(max_value) != max_value:
            raise ImproperlyConfigured(
                f"A MoneyField's max_value must be whole cents between 0.01 and {largest}."
            )
        self.max_value = quantize(max_value)
        self.max_digits = max_digits
        self.decimal_places = DECIMAL_PLACES
        kwargs.setdefault("help_text", _("In US dollars, such as 150 or 150.50."))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value is MULTIPLE_VALUES:
            raise self._refuse("multiple")
        if value in self.empty_values:
            return None
        # A disabled field's initial value is checked like typed text.
        if type(value) is int:
            value = str(value)
        elif isinstance(value, Decimal) and value.is_finite():
            value = format(value, "f")
        if not isinstance(value, str):
            raise self._refuse("invalid")
        text = value.strip()
        if not text:
            return None
        return Decimal(self._plain_amount(text))

    def _plain_amount(self, text: str) -> str:
        """The amount as "digits.cents", or the refusal that says best what is wrong."""
        if _NOT_A_NUMBER.match(text):
            raise self._refuse("invalid")
        if _EXPONENT.match(text):
            raise self._refuse("exponent")
        # Before spaces: "100 EUR" is a currency, not a thousands separator.
        if any(ch.isalpha() or unicodedata.category(ch) == "Sc" for ch in text):
            raise self._refuse("currency")
        if any(ch.isdigit() and ch not in "0123456789" for ch in text):
            raise self._refuse("digits")
        if text[0] in _MINUS_SIGNS:
            raise self._refuse("negative")
        separators = sum(ch in ".," for ch in text)
        if separators > 1 or any(ch.isspace() or ch in _GROUPING_CHARACTERS for ch in text):
            raise self._refuse("grouping")
        match = _PLAIN_AMOUNT.match(text)
        if match is None:
            raise self._refuse("invalid")
        whole, cents = match.group(1), match.group(2) or ""
        if len(cents) > DECIMAL_PLACES:
            raise self._refuse("decimal_places")
        # Written out with exactly two places, so the Decimal needs no rounding.
        return f"{whole}.{cents.ljust(DECIMAL_PLACES, '0')}"

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)
        if value is None:
            return
        if value <= ZERO:
            raise self._refuse("zero")
        if value > self.max_value:
            # Formatted now, while the request's language is active.
            raise self._refuse("max_value", max_value=format_money(self.max_value))

    def _refuse(self, code: str, **params: Any) -> ValidationError:
        return ValidationError(self.error_messages[code], code=code, params=params or None)
