"""The error summary at the top of every form names the field of each message and links to
it (issue 11, item 14)."""

import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


class _Form(forms.Form):
    family_name = forms.CharField(label="Family name")
    given_name = forms.CharField(label="Given name")
    consent = forms.ChoiceField(
        label="Was consent given?", choices=[("y", "Yes"), ("n", "No")], widget=forms.RadioSelect
    )


def _summary_items(html: str) -> list[str]:
    summary = html.split('class="error-summary"', 1)[1].split("</ul>", 1)[0]
    return [
        re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", summary, re.S)
    ]


def test_each_message_names_its_field_and_links_to_it():
    form = _Form(data={})
    with translation.override("en"):
        items = _summary_items(render_to_string("includes/error_summary.html", {"form": form}))
    assert items == [
        '<a href="#id_family_name">Family name: This field is required.</a>',
        '<a href="#id_given_name">Given name: This field is required.</a>',
        '<a href="#id_consent">Was consent given? This field is required.</a>',
    ]


def test_messages_are_named_in_swedish_too():
    form = _Form(data={})
    with translation.override("sv"):
        items = _summary_items(render_to_string("includes/error_summary.html", {"form": form}))
    assert items[0] == '<a href="#id_family_name">Family name: Detta fält måste fyllas i.</a>'


@pytest.mark.django_db
def test_the_login_page_names_the_missing_fields(client):
    response = client.post(
        reverse("accounts:login"), {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    items = _summary_items(response.content.decode())
    assert items == [
        '<a href="#id_username">User name: This field is required.</a>',
        '<a href="#id_password">Password: This field is required.</a>',
    ]
