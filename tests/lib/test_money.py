"""Money: the rounding helper, the amount a person types, and how an amount is shown."""

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.http import QueryDict
from django.template import engines
from django.utils import translation

from ampcase.lib.money import ZERO, MoneyField, format_money, quantize


class PaymentForm(forms.Form):
    amount = MoneyField(max_value=100000)


class UncappedForm(forms.Form):
    amount = MoneyField()


class OptionalForm(forms.Form):
    amount = MoneyField(required=False)


def posted(value: str) -> QueryDict:
    """The amount as a browser posts it."""
    return QueryDict(urlencode({"amount": value}))


def refusal(form: forms.Form) -> list[str]:
    assert not form.is_valid()
    assert "amount" not in form.cleaned_data
    return list(form.errors["amount"])


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


# --- quantize ---------------------------------------------------------------------------------


def test_quantize_rounds_a_half_cent_up():
    assert quantize(Decimal("0.005")) == Decimal("0.01")


def test_quantize_rounds_2_675_up_as_written_not_as_a_float_would():
    assert quantize(Decimal("2.675")) == Decimal("2.68")


def test_quantize_rounds_a_negative_half_cent_away_from_zero():
    assert quantize(Decimal("-0.005")) == Decimal("-0.01")


def test_quantize_writes_two_places():
    assert str(quantize(7)) == "7.00"


def test_zero_has_two_places():
    assert str(ZERO) == "0.00"


def test_quantize_refuses_a_float():
    with pytest.raises(TypeError):
        quantize(2.675)


def test_quantize_refuses_nan():
    with pytest.raises(ValueError):
        quantize(Decimal("NaN"))


# --- MoneyField: refused ----------------------------------------------------------------------

REFUSED = [
    ("-100", "Enter the amount without a minus sign: an amount is more than zero."),
    ("-0", "Enter the amount without a minus sign: an amount is more than zero."),
    ("\u2212100", "Enter the amount without a minus sign: an amount is more than zero."),
    ("0", "Enter an amount greater than zero."),
    ("0,00", "Enter an amount greater than zero."),
    ("0.001", "Enter at most two digits after the decimal point or comma."),
    ("NaN", "Enter the amount in digits, such as 150 or 150.50."),
    ("Infinity", "Enter the amount in digits, such as 150 or 150.50."),
    ("-inf", "Enter the amount in digits, such as 150 or 150.50."),
    ("1e9999", "Write the amount out in full, without an exponent: 1000 rather than 1E3."),
    ("1E3", "Write the amount out in full, without an exponent: 1000 rather than 1E3."),
    ("1_000", "Write the amount without spaces or thousands separators, such as 1000 or 1000.50."),
    (
        "1 000,50",
        "Write the amount without spaces or thousands separators, such as 1000 or 1000.50.",
    ),
    (
        "1\xa0000",
        "Write the amount without spaces or thousands separators, such as 1000 or 1000.50.",
    ),
    (
        "1.000,50",
        "Write the amount without spaces or thousands separators, such as 1000 or 1000.50.",
    ),
    ("\u0661\u0660\u0660", "Write the amount with the digits 0 to 9."),
    ("\uff11\uff10\uff10", "Write the amount with the digits 0 to 9."),
    ("999999999999", "The largest amount allowed is 100,000.00\xa0USD."),
    ("100000.01", "The largest amount allowed is 100,000.00\xa0USD."),
    ("", "Enter an amount."),
    ("   ", "Enter an amount."),
    (
        "100 EUR",
        "Enter the amount as a number only, without a currency: amounts are in US dollars.",
    ),
    ("$100", "Enter the amount as a number only, without a currency: amounts are in US dollars."),
    (
        "100 SEK",
        "Enter the amount as a number only, without a currency: amounts are in US dollars.",
    ),
    (
        "100 USD",
        "Enter the amount as a number only, without a currency: amounts are in US dollars.",
    ),
    ("+100", "Enter the amount in digits, such as 150 or 150.50."),
    ("150.", "Enter the amount in digits, such as 150 or 150.50."),
]


@pytest.mark.parametrize(("typed", "message"), REFUSED)
def test_money_field_refuses_with_its_message(typed, message):
    with translation.override("en"):
        assert refusal(PaymentForm(posted(typed))) == [message]


def test_money_field_refuses_a_missing_amount():
    with translation.override("en"):
        assert refusal(PaymentForm(QueryDict(""))) == ["Enter an amount."]


def test_money_field_refuses_two_values_for_one_field():
    with translation.override("en"):
        assert refusal(PaymentForm(QueryDict("amount=1&amount=2"))) == ["Give one amount."]


def test_money_field_refuses_two_values_even_when_optional():
    with translation.override("en"):
        assert refusal(OptionalForm(QueryDict("amount=&amount=2"))) == ["Give one amount."]


def test_two_values_are_not_shown_back_as_one():
    form = PaymentForm(QueryDict("amount=1&amount=2"))
    assert "value=" not in str(form["amount"])


def test_without_a_cap_the_largest_amount_is_what_the_models_hold():
    with translation.override("en"):
        assert refusal(UncappedForm(posted("999999999999"))) == [
            "The largest amount allowed is 9,999,999,999.99\xa0USD."
        ]


def test_a_refusal_is_in_swedish_for_a_swedish_user():
    with translation.override("sv"):
        assert refusal(PaymentForm(posted("1E3"))) == [
            "Skriv ut beloppet helt, utan exponent: 1000 i stället för 1E3."
        ]


def test_the_largest_amount_is_written_the_swedish_way_for_a_swedish_user():
    with translation.override("sv"):
        assert refusal(PaymentForm(posted("100000,01"))) == [
            "Det högsta tillåtna beloppet är 100\xa0000,00\xa0USD."
        ]


# --- MoneyField: accepted ---------------------------------------------------------------------

ACCEPTED = [
    ("150", "150.00"),
    ("150.00", "150.00"),
    ("150,5", "150.50"),
    ("150.5", "150.50"),
    ("1000,75", "1000.75"),
    ("0.01", "0.01"),
    ("0150", "150.00"),
    (" 150 ", "150.00"),
    ("100000", "100000.00"),
]


@pytest.mark.parametrize(("typed", "amount"), ACCEPTED)
def test_money_field_accepts_plain_amounts_as_two_place_decimals(typed, amount):
    form = PaymentForm(posted(typed))
    assert form.is_valid(), form.errors
    cleaned = form.cleaned_data["amount"]
    # Compared as text too: Decimal("150.5") == Decimal("150.50"), but only one has two places.
    assert (type(cleaned), str(cleaned)) == (Decimal, amount)


def test_an_optional_money_field_left_empty_is_none():
    form = OptionalForm(posted(""))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] is None


def test_a_disabled_money_field_keeps_its_initial_amount():
    class DisabledForm(forms.Form):
        amount = MoneyField(disabled=True)

    form = DisabledForm(posted("999"), initial={"amount": Decimal("150.5")})
    assert form.is_valid(), form.errors
    assert str(form.cleaned_data["amount"]) == "150.50"


# --- MoneyField: the input and its setup ------------------------------------------------------


def test_money_input_brings_up_a_number_pad_without_autocomplete():
    html = str(PaymentForm()["amount"])
    assert 'type="text"' in html
    assert 'inputmode="decimal"' in html
    assert 'autocomplete="off"' in html


def test_money_input_shows_an_initial_amount_with_a_point_in_any_language():
    with translation.override("sv"):
        html = str(PaymentForm(initial={"amount": Decimal("1E+3")})["amount"])
    assert 'value="1000.00"' in html


def test_money_field_takes_a_models_digits_and_places():
    field = MoneyField(max_digits=12, decimal_places=2)
    assert field.max_value == Decimal("9999999999.99")


@pytest.mark.parametrize(
    "options",
    [
        {"decimal_places": 3},
        {"max_value": 0},
        {"max_value": 100.0},
        {"max_value": Decimal("100.001")},
        {"max_value": Decimal("10000000000")},
    ],
)
def test_money_field_refuses_a_setup_it_cannot_honour(options):
    with pytest.raises(ImproperlyConfigured):
        MoneyField(**options)


# --- The money filter -------------------------------------------------------------------------


def test_money_filter_in_swedish_groups_with_non_breaking_spaces_and_a_comma():
    with translation.override("sv"):
        shown = render("{% load money %}{{ amount|money }}", amount=Decimal("1234567.5"))
    assert shown == "1\xa0234\xa0567,50\xa0USD"


def test_money_filter_in_english_groups_with_commas_and_a_point():
    with translation.override("en"):
        shown = render("{% load money %}{{ amount|money }}", amount=Decimal("1234.5"))
    assert shown == "1,234.50\xa0USD"


def test_money_filter_rounds_half_a_cent_up_rather_than_cutting_it_off():
    with translation.override("en"):
        assert render("{% load money %}{{ amount|money }}", amount=Decimal("0.005")) == (
            "0.01\xa0USD"
        )


@pytest.mark.parametrize("amount", [None, ""])
def test_money_filter_shows_a_dash_for_no_amount(amount):
    assert render("{% load money %}{{ amount|money }}", amount=amount) == "—"


def test_format_money_refuses_a_float():
    with pytest.raises(TypeError):
        format_money(1234.5)
