"""Phone numbers are checked with libphonenumber and kept in E.164 (issue 11, item 19)."""

import importlib

import pytest
from django import forms
from django.apps import apps
from django.utils import translation

from ampcase.lib.phone import PhoneField, readable, to_e164


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("070-123 45 67", "+46701234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("0046701234567", "+46701234567"),
        ("08-123 456 78", "+46812345678"),
        ("+234 803 123 4567", "+2348031234567"),
        ("(+234) 803.123.4567", "+2348031234567"),
    ],
)
def test_a_number_is_kept_in_e164_read_as_swedish_without_a_country_code(written, e164):
    assert to_e164(written) == e164


@pytest.mark.parametrize(
    "written",
    ["call my aunt!!! <script>", "123", "+1 800 FLOWERS", "070 123 45 67 ext 5", "+46 70", ""],
)
def test_anything_else_is_refused(written):
    with pytest.raises(forms.ValidationError) as refused:
        to_e164(written)
    assert refused.value.code == "invalid_phone"


class _Form(forms.Form):
    phone = PhoneField(required=False)


def test_the_field_says_what_a_number_looks_like_in_either_language():
    with translation.override("en"):
        form = _Form({"phone": "call my aunt!!! <script>"})
        assert form.errors["phone"] == [
            "Enter a phone number, such as 070-123 45 67, or +234 803 123 4567 for a number abroad."
        ]


def test_the_field_leaves_an_empty_number_empty():
    form = _Form({"phone": "  "})
    assert form.is_valid()
    assert form.cleaned_data["phone"] == ""


def test_the_field_brings_up_a_dial_pad():
    html = str(_Form()["phone"])
    assert 'type="tel"' in html and 'autocomplete="tel"' in html


@pytest.mark.django_db
def test_stored_numbers_are_rewritten_in_e164_and_the_rest_left_as_they_were():
    from tests.factories import make_case

    migration = importlib.import_module("referrals.migrations.0007_person_phone_e164")
    people = [make_case().people.get() for _ in range(3)]
    for person, phone in zip(people, ["070-123 45 67", "call my aunt", ""], strict=True):
        type(person).objects.filter(pk=person.pk).update(phone=phone)

    migration.normalise_phone_numbers(apps, None)

    for person in people:
        person.refresh_from_db()
    assert [person.phone for person in people] == ["+46701234567", "call my aunt", ""]


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+46701234567", "+46 70 123 45 67"),
        ("+2348031234567", "+234 803 123 4567"),
        ("call my aunt", "call my aunt"),
        ("", ""),
    ],
)
def test_a_stored_number_reads_as_people_dial_it(stored, shown):
    assert readable(stored) == shown


def test_the_input_is_a_phone_input_that_stops_at_40_characters():
    html = str(_Form()["phone"])
    assert 'type="tel"' in html
    assert 'autocomplete="tel"' in html
    assert 'maxlength="40"' in html
