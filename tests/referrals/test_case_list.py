"""The case list: searching by name and reference, sorting by each column, the countries its
filter offers, and what each of them costs in queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from referrals import services
from referrals.models import Case, CaseState, Person, RiskLevel
from tests.conftest import sign_in
from tests.factories import add_consent, make_case
from tests.referrals.test_views import _bulk_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(stockholm_coordinator):
    return sign_in(Client(), stockholm_coordinator)


def _listed(client, **params) -> list[str]:
    response = client.get(reverse("referrals:cases"), params)
    assert response.status_code == 200
    return [case.reference for case in response.context["page"]]


# Searching.


@pytest.mark.parametrize("typed", ["José", "jose", "JOSE", "Öström", "ostrom", "jose ostrom"])
def test_search_finds_a_name_whatever_its_case_and_accents(client, typed):
    wanted = make_case(given_name="José", family_name="Öström")
    make_case(given_name="Åsa", family_name="Öberg")
    assert _listed(client, q=typed) == [wanted.reference]


def test_search_by_both_names_in_either_order(client):
    wanted = make_case(given_name="José", family_name="Öström")
    make_case(given_name="José", family_name="Berg")
    assert _listed(client, q="öström josé") == [wanted.reference]


def test_search_finds_an_accompanying_childs_name(client, stockholm_coordinator):
    wanted = make_case()
    make_case()
    services.save_person(wanted, by=stockholm_coordinator, given_name="Ebba", family_name="Sjö")
    assert _listed(client, q="ebba sjo") == [wanted.reference]


def test_search_follows_a_corrected_name(client, stockholm_coordinator):
    case = make_case(given_name="Jon")
    returnee = case.people.get()
    services.save_person(case, by=stockholm_coordinator, person=returnee, given_name="Jön")
    assert _listed(client, q="jon") == [case.reference]
    assert Person.objects.get(pk=returnee.pk).search_name == "jon oberg"


@pytest.mark.parametrize("spelling", ["exact", "lower", "without_a_ring", "without_prefix"])
def test_search_finds_a_reference_however_it_is_typed(client, spelling):
    wanted = make_case()
    make_case()
    typed = {
        "exact": wanted.reference,
        "lower": wanted.reference.lower(),
        "without_a_ring": wanted.reference.replace("Å", "A").lower(),
        "without_prefix": wanted.reference.split("-", 1)[1],
    }[spelling]
    assert _listed(client, q=typed) == [wanted.reference]


def test_search_never_finds_a_name_the_user_may_not_see(stockholm_coordinator, iom_caseworker):
    # IOM Finland sees this case under its pseudonym only (no consent to share with it): a
    # search by the real name must not find it, or the list would tell the name.
    case = services.share_for_consultation(
        make_case(given_name="José", family_name="Öström"), by=stockholm_coordinator
    )
    iom = sign_in(Client(), iom_caseworker)
    assert _listed(iom, q="José") == []
    assert _listed(iom, q="ostrom") == []
    assert _listed(iom, q=case.pseudonym) == [case.reference]
    assert _listed(iom, q=case.reference) == [case.reference]


def test_search_finds_the_name_once_consent_lets_the_user_see_it(
    stockholm_coordinator, iom_caseworker
):
    case = services.share_for_consultation(
        make_case(given_name="José", family_name="Öström"), by=stockholm_coordinator
    )
    add_consent(case)
    assert _listed(sign_in(Client(), iom_caseworker), q="jose") == [case.reference]


def test_search_never_finds_another_regions_case(syd_coordinator):
    make_case(given_name="José")
    assert _listed(sign_in(Client(), syd_coordinator), q="jose") == []


def test_search_by_name_costs_the_same_for_10_or_1000_cases(client, referrer):
    url = reverse("referrals:cases") + "?q=%C3%A5sa&sort=name"
    _bulk_cases(10, referrer)
    Person.objects.update(search_name="asa oberg")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _bulk_cases(990, referrer)
    Person.objects.update(search_name="asa oberg")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(few) == len(many)
    assert response.context["page"].paginator.count == 1000


# Sorting.


@pytest.fixture
def three_cases(stockholm_coordinator):
    """Three Stockholm cases whose every column sorts differently (see ORDERS)."""
    a = make_case(
        CaseState.PREPARING,
        given_name="Cecilia",
        family_name="Ek",
        date_of_birth=dt.date(1980, 5, 1),
        destination_country="DE",
        risk_level=RiskLevel.HIGH,
    )
    b = make_case(
        CaseState.REFERRED,
        given_name="Åsa",
        family_name="Öberg",
        date_of_birth=dt.date(2010, 5, 1),
        destination_country="NG",
    )
    c = make_case(
        CaseState.SCREENING,
        given_name="Bo",
        family_name="Berg",
        date_of_birth=dt.date(1995, 5, 1),
        destination_country="AL",
        risk_level=RiskLevel.LOW,
    )
    Person.objects.create(case=a, relation="child", given_name="Ida", family_name="Ek")
    for _ in range(2):
        Person.objects.create(case=c, relation="child", given_name="Ola", family_name="Berg")
    for case, day in ((a, 3), (b, 1), (c, 2)):
        Case.objects.filter(pk=case.pk).update(
            updated_at=dt.datetime(2026, 11, day, 12, tzinfo=dt.UTC)
        )
    return {"a": a.reference, "b": b.reference, "c": c.reference}


# Column -> the cases in ascending order (English names for the destinations).
ORDERS = {
    "reference": "abc",
    "name": "bca",  # Åsa Öberg, Bo Berg, Cecilia Ek: accents aside
    "state": "bca",  # referred, screening, preparing: the order of the work
    "destination": "cab",  # Albania, Germany, Nigeria
    "age": "bca",  # youngest first
    "children": "bac",
    "risk": "cab",  # low, high, none (cases without a level always last)
    "updated": "bca",
}


@pytest.mark.parametrize("column", sorted(ORDERS))
def test_case_list_sorts_by_each_column_both_ways(client, three_cases, column):
    client.cookies["django_language"] = "en"
    ascending = [three_cases[key] for key in ORDERS[column]]
    assert _listed(client, sort=column) == ascending
    descending = _listed(client, sort=f"-{column}")
    if column == "risk":
        assert descending == [three_cases[key] for key in "acb"]
    else:
        assert descending == ascending[::-1]


def test_destinations_sort_by_their_swedish_names_in_swedish(client, three_cases):
    client.cookies["django_language"] = "sv"
    # Albania, Nigeria, Tyskland.
    assert _listed(client, sort="destination") == [three_cases[key] for key in "cba"]


def test_case_list_sorts_by_region(stockholm_coordinator, syd_coordinator, iom_caseworker):
    syd = services.share_for_consultation(make_case(region_code="syd"), by=syd_coordinator)
    stockholm = services.share_for_consultation(make_case(), by=stockholm_coordinator)
    iom = sign_in(Client(), iom_caseworker)
    by_name = sorted([syd, stockholm], key=lambda case: case.region.name)
    assert _listed(iom, sort="region") == [case.reference for case in by_name]
    assert _listed(iom, sort="-region") == [case.reference for case in by_name[::-1]]


def test_sorting_by_name_orders_hidden_names_by_their_pseudonym(
    stockholm_coordinator, iom_caseworker
):
    # Ordered by the names IOM may not see, the rows would give away their first letters.
    zed = make_case(given_name="Zed")
    anna = make_case(given_name="Anna")
    for case, pseudonym in ((zed, "Returnee A"), (anna, "Returnee B")):
        Case.objects.filter(pk=case.pk).update(pseudonym=pseudonym)
        services.share_for_consultation(case, by=stockholm_coordinator)
    iom = sign_in(Client(), iom_caseworker)
    assert _listed(iom, sort="name") == [zed.reference, anna.reference]


def test_sorting_by_age_ignores_hidden_birth_dates(stockholm_coordinator, iom_caseworker):
    # Ordered by birth dates IOM may not see, the rows would give away who is the youngest:
    # hidden ages all sort alike, so the last activity decides.
    young = make_case(date_of_birth=dt.date(2008, 1, 1))
    old = make_case(date_of_birth=dt.date(1970, 1, 1))
    for case in (young, old):
        services.share_for_consultation(case, by=stockholm_coordinator)
    iom = sign_in(Client(), iom_caseworker)
    assert _listed(iom, sort="age") == [old.reference, young.reference]
    assert _listed(iom, sort="-age") == [old.reference, young.reference]


def test_the_default_order_is_the_latest_activity_first(client, three_cases):
    assert _listed(client) == [three_cases[key] for key in "acb"]
    assert _listed(client, sort="password") == [three_cases[key] for key in "acb"]


def test_column_headers_sort_keep_the_filters_and_say_the_current_order(client, three_cases):
    response = client.get(
        reverse("referrals:cases"), {"q": "berg", "state": "screening", "sort": "name", "page": 1}
    )
    columns = {column["key"]: column for column in response.context["columns"]}
    assert columns["name"]["aria_sort"] == "ascending"
    assert columns["name"]["query"] == "q=berg&state=screening&sort=-name"
    assert columns["state"]["aria_sort"] == ""
    assert columns["state"]["query"] == "q=berg&state=screening&sort=state"
    body = response.content.decode()
    assert 'aria-sort="ascending"' in body and body.count("aria-sort=") == 1
    # The pages of the list keep the order.
    assert "sort=name" in response.context["query"]


# The countries the filter offers.


def _country_groups(response, field: str) -> list:
    return response.context["form"].fields[field].choices


def test_country_filter_offers_the_cases_destinations_first_in_swedish(client, three_cases):
    client.cookies["django_language"] = "sv"
    choices = _country_groups(client.get(reverse("referrals:cases")), "country")
    assert choices[0][0] == ""
    ours, everything = choices[1][1], choices[2][1]
    # (django-countries' Swedish catalogue calls Albania "Albania".)
    assert ours == [("AL", "Albania"), ("NG", "Nigeria"), ("DE", "Tyskland")]
    codes = [code for code, _name in everything]
    assert "AQ" not in codes and "SE" in codes
    # Swedish order: Å, Ä and Ö after Z.
    assert codes.index("ZW") < codes.index("AX") < codes.index("AT")


def test_country_filter_names_the_countries_in_english_in_english(client, three_cases):
    client.cookies["django_language"] = "en"
    choices = _country_groups(client.get(reverse("referrals:cases")), "country")
    assert choices[1][1] == [("AL", "Albania"), ("DE", "Germany"), ("NG", "Nigeria")]
    codes = [code for code, _name in choices[2][1]]
    assert codes.index("AX") < codes.index("AL") < codes.index("AT")


def test_country_names_on_the_list_follow_the_language(client, three_cases):
    client.cookies["django_language"] = "sv"
    assert "Tyskland" in client.get(reverse("referrals:cases")).content.decode()
    client.cookies["django_language"] = "en"
    assert "Germany" in client.get(reverse("referrals:cases")).content.decode()


def test_country_filter_offers_only_the_destinations_of_cases_the_user_sees(syd_coordinator):
    make_case(destination_country="DE")
    make_case(region_code="syd", destination_country="NG")
    client = sign_in(Client(), syd_coordinator)
    choices = _country_groups(client.get(reverse("referrals:cases")), "country")
    assert [code for code, _name in choices[1][1]] == ["NG"]


def test_without_destinations_the_filter_lists_every_country_ungrouped(client):
    choices = _country_groups(client.get(reverse("referrals:cases")), "country")
    assert not any(isinstance(name, list) for _code, name in choices)
    assert len(choices) > 200


def test_application_offers_the_cases_destinations_first(client, three_cases):
    client.cookies["django_language"] = "en"
    case = Case.objects.get(reference=three_cases["a"])
    response = client.get(reverse("referrals:application", args=[case.uuid]))
    choices = _country_groups(response, "destination_country")
    assert [code for code, _name in choices[1][1]] == ["AL", "DE", "NG"]
    body = response.content.decode()
    assert body.index("<optgroup") < body.index('value="DE" selected')


def test_the_page_of_a_search_is_audited_without_the_words_typed(client):
    from ampcase.audit.models import AuditEvent

    make_case(given_name="José")
    _listed(client, q="José")
    event = AuditEvent.objects.get(action="case.list_viewed")
    assert "José" not in str(event.__dict__)


def test_a_hidden_name_shows_as_the_pseudonym_in_the_readers_language(iom_caseworker):
    """IOM without the consent that reveals names reads the pseudonym, said in the language
    of the page, whatever the language of whoever logged the referral."""
    case = make_case(CaseState.SUBMITTED, given_name="José", family_name="Öström")
    number = case.reference.rsplit("-", 1)[-1]
    Case.objects.filter(pk=case.pk).update(pseudonym=f"Returnee {number}")
    client = sign_in(Client(), iom_caseworker)
    client.cookies["django_language"] = "sv"
    page = client.get(reverse("referrals:cases")).content.decode()
    with translation.override("sv"):
        swedish = str(Case.PSEUDONYM) % {"number": number}
    assert swedish != f"Returnee {number}"
    assert swedish in page
    assert f"Returnee {number}" not in page
    assert "Öström" not in page


def test_the_sort_select_offers_each_column_both_ways_and_shows_the_current_one(client):
    client.cookies["django_language"] = "en"
    page = client.get(reverse("referrals:cases"), {"sort": "-destination"}).content.decode()
    select = page.split('name="sort"')[1].split("</select>")[0]
    assert '<option value="-destination" selected>Destination, descending</option>' in select
    assert '<option value="reference">Reference, ascending</option>' in select
    assert select.count("<option") == 1 + 2 * 9


@pytest.mark.parametrize(
    ("params", "open_"),
    [({}, False), ({"q": "jose"}, False), ({"state": "screening"}, True), ({"sort": "risk"}, True)],
)
def test_the_other_filters_are_open_only_when_one_is_in_use(client, params, open_):
    page = client.get(reverse("referrals:cases"), params).content.decode()
    assert ('<details class="more-filters" open>' in page) is open_


def test_an_unknown_sort_keeps_the_other_filters(client):
    wanted = make_case(CaseState.SCREENING)
    make_case(CaseState.PREPARING)
    assert _listed(client, state="screening", sort="nonsense") == [wanted.reference]
