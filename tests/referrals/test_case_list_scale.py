"""What keeps the case list fast at 100,000 cases (docs/PERFORMANCE.md): the count that stops
at a cap and says "more than", the indexes the list reads, and the filter's destinations
kept in the session for a while."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ampcase.lib.pagination import CappedPaginator
from referrals import views
from referrals.models import Case
from tests.conftest import sign_in
from tests.factories import make_case
from tests.referrals.test_views import _bulk_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(stockholm_coordinator):
    return sign_in(Client(), stockholm_coordinator)


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 2 cases, counted up to 4: the list's thresholds at a size a test can make."""
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "COUNT_CAP", 4)


# The capped count.


def test_a_paginator_counts_exactly_up_to_its_cap(referrer):
    _bulk_cases(4, referrer)
    page = CappedPaginator(Case.objects.order_by("id"), 2, cap=4).get_page(1)
    assert (page.paginator.count, page.paginator.capped, page.paginator.num_pages) == (4, False, 2)


def test_a_paginator_stops_counting_past_its_cap_and_links_to_the_next_page(referrer):
    _bulk_cases(7, referrer)
    page = CappedPaginator(Case.objects.order_by("id"), 2, cap=4).get_page(2)
    assert (page.paginator.count, page.paginator.capped) == (4, True)
    assert page.has_next() and page.next_page_number() == 3


def test_a_paginator_counts_as_far_as_the_page_asked_for(referrer):
    _bulk_cases(7, referrer)
    page = CappedPaginator(Case.objects.order_by("id"), 2, cap=4).get_page(3)
    assert page.number == 3 and len(page) == 2
    assert (page.paginator.count, page.paginator.capped) == (6, True)
    last = CappedPaginator(Case.objects.order_by("id"), 2, cap=4).get_page(4)
    assert (last.paginator.count, last.paginator.capped, len(last)) == (7, False, 1)
    assert not last.has_next()


def test_a_paginator_takes_a_wrong_page_number_as_the_first(referrer):
    _bulk_cases(3, referrer)
    assert CappedPaginator(Case.objects.order_by("id"), 2, cap=4).get_page("x").number == 1


def test_the_list_says_more_than_when_it_stopped_counting(client, referrer, small_pages):
    _bulk_cases(7, referrer)
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        body = client.get(reverse("referrals:cases")).content.decode()
    assert "More than 4 cases" in body
    assert "Page 1 of more than 2" in body
    assert 'rel="next"' in body


def test_the_list_counts_exactly_below_the_cap(client, referrer, small_pages):
    _bulk_cases(3, referrer)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("referrals:cases")).content.decode()
    assert "3 cases" in body and "More than" not in body
    assert "Page 1 of 2" in body


def test_the_last_page_of_a_long_list_knows_it_is_the_last(client, referrer, small_pages):
    _bulk_cases(7, referrer)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("referrals:cases"), {"page": 4})
    assert response.context["page"].number == 4
    body = response.content.decode()
    assert "7 cases" in body and "Page 4 of 4" in body and 'rel="next"' not in body


# The indexes the list reads.


@pytest.mark.parametrize(
    ("table", "index", "columns"),
    [
        ("referrals_case", "case_updated_idx", ["updated_at", "id"]),
        (
            "referrals_casegroupobjectpermission",
            "case_groupperm_case_idx",
            ["content_object_id", "permission_id", "group_id"],
        ),
    ],
)
def test_the_lists_indexes_exist(table, index, columns):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    assert constraints[index]["index"] and constraints[index]["columns"] == columns


def test_the_default_order_needs_no_nulls_last(client):
    # "NULLS LAST" on a column that is never empty keeps PostgreSQL from reading the order
    # off case_updated_idx.
    response = client.get(reverse("referrals:cases"))
    sql = str(response.context["page"].paginator.object_list.query)
    order = sql.split("ORDER BY", 1)[1]
    assert '"referrals_case"."updated_at" DESC' in order and "NULLS LAST" not in order


# The destinations of the country filter.


def _ours(response) -> list[str]:
    choices = response.context["form"].fields["country"].choices
    return [code for code, _name in choices[1][1]]


def test_the_filter_keeps_the_destinations_for_five_minutes(client):
    make_case(destination_country="DE")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        assert _ours(client.get(reverse("referrals:cases"))) == ["DE"]
        make_case(destination_country="NG")
        response = client.get(reverse("referrals:cases"))
        assert _ours(response) == ["DE"]
        # The new destination is in the full list meanwhile, and its case is listed.
        every = [code for code, _name in response.context["form"].fields["country"].choices[2][1]]
        assert "NG" in every
        assert len(response.context["page"]) == 2
        clock.shift(views.DESTINATIONS_KEPT + 1)
        assert sorted(_ours(client.get(reverse("referrals:cases")))) == ["DE", "NG"]


def test_the_kept_destinations_belong_to_the_user_who_found_them(
    client, stockholm_coordinator, syd_coordinator
):
    make_case(destination_country="DE")
    assert _ours(client.get(reverse("referrals:cases"))) == ["DE"]
    session = client.session
    session["case_list_destinations"]["user"] = syd_coordinator.pk
    session.save()
    # Kept for someone else: found again.
    assert _ours(client.get(reverse("referrals:cases"))) == ["DE"]
    assert client.session["case_list_destinations"]["user"] == stockholm_coordinator.pk


def test_sorting_by_destination_orders_a_country_not_yet_in_the_filter(client):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        make_case(destination_country="DE")
        client.get(reverse("referrals:cases"))
        albania = make_case(destination_country="AL")
        client.cookies["django_language"] = "en"
        response = client.get(reverse("referrals:cases"), {"sort": "destination"})
    assert [case.reference for case in response.context["page"]][0] == albania.reference


# The country select, rendered from memory.


def _country_html(data, language, destinations=("DE", "NG")):
    from django import forms

    from referrals.forms import CaseFilterForm

    with translation.override(language):
        form = CaseFilterForm(data, destinations=set(destinations))
        cached = str(form["country"])
        field = form.fields["country"]
        plain = forms.Select(choices=field.choices).render(
            "country", form["country"].value(), {"id": "id_country"}
        )
    return cached, plain


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("data", [None, {"country": "NG"}, {"country": "SE"}])
def test_the_country_select_from_memory_is_the_select_django_renders(language, data):
    for _ in range(2):  # the first renders, the second comes from memory
        cached, plain = _country_html(data, language)
        assert cached == plain


def test_the_country_select_follows_the_language_value_and_destinations():
    swedish, _plain = _country_html(None, "sv")
    english, _plain = _country_html(None, "en")
    chosen, _plain = _country_html({"country": "NG"}, "en")
    fewer, _plain = _country_html(None, "en", destinations=("DE",))
    assert "Tyskland" in swedish and "Germany" in english
    assert 'value="NG" selected' in chosen and "selected" not in english.replace(
        'value="" selected', ""
    )
    assert fewer != english


# The identity column, probed per row.


def test_the_identity_column_probed_per_row_says_what_the_filter_form_says(
    stockholm_coordinator, iom_caseworker
):
    from referrals import grants, services
    from tests.factories import add_consent

    shared = services.share_for_consultation(make_case(), by=stockholm_coordinator)
    consented = services.share_for_consultation(make_case(), by=stockholm_coordinator)
    add_consent(consented)
    make_case()
    for user in (stockholm_coordinator, iom_caseworker):
        rows = grants.cases_for(user).annotate(
            per_row=grants.identity_visible_annotation(user, per_row=True),
            hashed=grants.identity_visible_annotation(user),
        )
        pairs = {case.pk: (case.per_row, case.hashed) for case in rows}
        assert all(per_row == hashed for per_row, hashed in pairs.values())
    iom = {
        case.pk: case.visible
        for case in grants.cases_for(iom_caseworker).annotate(
            visible=grants.identity_visible_annotation(iom_caseworker, per_row=True)
        )
    }
    assert iom == {shared.pk: False, consented.pk: True}
