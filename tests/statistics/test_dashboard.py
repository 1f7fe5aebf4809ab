"""The statistics dashboard: who sees which figures, what is hidden, the downloads, the
audit trail and the cost."""

import csv
import datetime as dt
import io
import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ampcase.audit.models import AuditEvent
from ampcase.lib.tables import SUPPRESSED
from ampcase.statistics import dashboard
from referrals import services
from referrals.models import Case, CaseState, Decision, EligibilityAssessment, Person
from reintegration.models import FollowUp
from tests.conftest import sign_in
from tests.factories import region

pytestmark = pytest.mark.django_db

URL = reverse("statistics:dashboard")
THIS_YEAR = timezone.localdate().year


def bulk_cases(
    count: int,
    referrer,
    *,
    region_code="stockholm",
    country="NG",
    year=THIS_YEAR,
    state=CaseState.REFERRED,
    born=dt.date(1990, 1, 1),
):
    """`count` cases referred in `year` with a returnee, in a few statements."""
    references = [Case.allocate_reference(year) for _ in range(count)]
    cases = Case.objects.bulk_create(
        Case(
            reference=reference,
            pseudonym="P",
            region=region(region_code),
            referred_by=referrer,
            referring_organisation=referrer.organisation,
            destination_country=country,
            state=state,
            created_at=dt.datetime(year, 3, 1 + i % 27, 12, tzinfo=dt.UTC),
        )
        for i, reference in enumerate(references)
    )
    Person.objects.bulk_create(
        Person(case=case, relation="returnee", given_name="Å", family_name="Ö", date_of_birth=born)
        for case in cases
    )
    return cases


REGIONS = ["bergslagen", "stockholm", "mitt", "nord", "syd", "vast", "ost"]


def background(referrer, per_region=2, country="UA"):
    """A few cases in every region, as a real year has: hidden counts that are not all 0."""
    for code in REGIONS:
        bulk_cases(per_region, referrer, region_code=code, country=country)


def client_for(user) -> Client:
    """Signed in, reading English (the tests name categories by their English labels)."""
    client = sign_in(Client(), user)
    client.cookies["django_language"] = "en"
    return client


def rows(response, key):
    return {
        str(label): value
        for label, *values in response.context["board"].by_key[key].table.rows
        for value in values[:1]
    }


def test_the_national_view_counts_the_whole_programme_and_hides_small_counts(
    national_coordinator, referrer
):
    background(referrer)
    bulk_cases(14, referrer, country="NG")
    bulk_cases(12, referrer, region_code="syd", country="RO")
    bulk_cases(3, referrer, region_code="syd", country="TH")
    response = client_for(national_coordinator).get(URL)
    assert response.status_code == 200
    countries = rows(response, "country")
    assert countries["Nigeria"] == 14
    assert countries["Ukraine"] == 14
    # Thailand (3) is one row with every rare destination: never named.
    assert "Thailand" not in countries
    assert countries["Other countries (fewer than 11 cases each)"] is SUPPRESSED
    assert rows(response, "year")[str(THIS_YEAR)] == 43
    regions = rows(response, "region")
    assert regions["Stockholm"] == 16 and regions["Syd"] == 17
    assert regions["Nord"] is SUPPRESSED


def test_a_region_coordinator_sees_their_own_region_only(stockholm_coordinator, referrer):
    background(referrer)
    bulk_cases(14, referrer, country="NG")
    bulk_cases(25, referrer, region_code="syd", country="RO")
    client = client_for(stockholm_coordinator)
    # A region asked for in the address changes nothing: there is no region to choose.
    response = client.get(URL, {"year": THIS_YEAR, "region": "syd"})
    assert response.context["board"].region.code == "stockholm"
    assert "region" not in response.context["form"].fields
    assert rows(response, "year")[str(THIS_YEAR)] == 16
    assert rows(response, "country")["Romania"] is SUPPRESSED
    assert "region" not in response.context["board"].by_key
    shown = [
        cell
        for section in response.context["board"].sections
        for row in section.table.rows
        for cell in row[1:]
    ]
    assert 27 not in shown and 25 not in shown  # Syd's figures
    # The download says the same.
    download = client.get(reverse("statistics:table", args=["year", "csv"]), {"region": "syd"})
    text = download.content.decode("utf-8-sig")
    assert f"{THIS_YEAR},16" in text and ",27" not in text


def test_the_region_filter_shows_one_regions_column(iom_caseworker, referrer):
    background(referrer)
    bulk_cases(14, referrer, country="NG")
    bulk_cases(25, referrer, region_code="syd", country="RO")
    bulk_cases(12, referrer, region_code="syd", country="BG")
    response = client_for(iom_caseworker).get(URL, {"year": THIS_YEAR, "region": "syd"})
    assert response.context["board"].region.code == "syd"
    assert rows(response, "year")[str(THIS_YEAR)] == 39
    # Syd's column: with every destination in one region, its cells would give away the
    # other regions' zeros (none of their few cases went there), so they are hidden; the
    # national figure is the row's total.
    assert rows(response, "country")["Romania"] is SUPPRESSED
    national = client_for(iom_caseworker).get(URL, {"year": THIS_YEAR})
    assert rows(national, "year")[str(THIS_YEAR)] == 65
    assert rows(national, "country")["Romania"] == 25


def test_a_year_that_is_not_offered_is_refused_in_words(national_coordinator):
    response = client_for(national_coordinator).get(URL, {"year": "1850"})
    assert response.status_code == 200
    assert response.context["form"].errors["year"]
    assert response.context["board"].year == THIS_YEAR
    assert "There is a problem" in response.content.decode()


def test_durations_are_shown_for_groups_of_at_least_11(iom_caseworker, referrer):
    cases = bulk_cases(12, referrer, state=CaseState.REFERRED)
    coordinator_on = dt.date(THIS_YEAR, 3, 1)
    for days, case in zip(itertools.cycle([5, 10, 20]), cases, strict=False):
        Decision.objects.create(
            case=case,
            outcome=Decision.Outcome.APPROVED,
            coordinator=referrer,
            coordinator_on=coordinator_on,
            iom_user=iom_caseworker,
            decided_at=case.created_at + dt.timedelta(days=days),
        )
    client = client_for(iom_caseworker)
    table = client.get(URL).context["board"].by_key["durations"].table
    to_decision, to_departure = table.rows
    assert to_decision[1:] == (pytest.approx(5), pytest.approx(10), pytest.approx(20))
    assert to_departure[1:] == (SUPPRESSED,) * 3
    # Written straight to the database, not by a service (which writes a timeline entry
    # and so changes what the cached figures were made from): forget them by hand.
    Decision.objects.filter(case__in=cases[:2]).delete()
    cache.clear()
    table = client.get(URL).context["board"].by_key["durations"].table
    assert table.rows[0][1:] == (SUPPRESSED,) * 3


def test_forms_of_exploitation_count_every_form_a_case_names(national_coordinator, referrer):
    cases = bulk_cases(12, referrer)
    EligibilityAssessment.objects.bulk_create(
        EligibilityAssessment(
            case=case,
            basis=EligibilityAssessment.Basis.TRAFFICKING_IDENTIFIED,
            exploitation=["sexual", "begging"],
            wants_voluntary_return=True,
            destination=EligibilityAssessment.Destination.ORIGIN,
            assessed_by=referrer,
        )
        for case in cases
    )
    response = client_for(national_coordinator).get(URL)
    forms = rows(response, "exploitation")
    assert forms["Sexual exploitation"] == 12 and forms["Begging"] == 12
    assert forms["Forced labour"] is SUPPRESSED
    assert rows(response, "basis")["Identified victim of trafficking"] == 12


def test_follow_ups_are_counted_by_whether_they_were_done_on_time(national_coordinator, referrer):
    cases = bulk_cases(12, referrer, state=CaseState.REFERRED)
    due = dt.date(THIS_YEAR, 1, 10)
    FollowUp.objects.bulk_create(
        FollowUp(
            case=case,
            month=1,
            due_on=due,
            done_on=due,
            how="phone",
            recorded_by=referrer,
            recorded_at=timezone.now(),
        )
        for case in cases
    )
    response = client_for(national_coordinator).get(URL)
    follow = rows(response, "follow-ups")
    assert follow["Done on time"] == 12
    assert follow["Done late"] is SUPPRESSED


def test_every_view_and_download_is_audited_with_its_filters(iom_caseworker, referrer):
    client = client_for(iom_caseworker)
    client.get(URL, {"year": THIS_YEAR, "region": "syd"})
    client.get(reverse("statistics:table", args=["country", "xlsx"]), {"year": THIS_YEAR})
    events = list(
        AuditEvent.objects.filter(action__startswith="statistics.")
        .order_by("id")
        .values_list("action", "summary")
    )
    assert events == [
        ("statistics.viewed", f"year={THIS_YEAR} region=syd"),
        ("statistics.exported", f"table=country format=xlsx year={THIS_YEAR} region=all"),
    ]


def test_the_csv_is_the_pages_table_with_the_same_suppression(national_coordinator, referrer):
    bulk_cases(14, referrer, country="NG")
    bulk_cases(2, referrer, region_code="syd", country="RO")
    client = client_for(national_coordinator)
    table = client.get(URL).context["board"].by_key["region"].table
    response = client.get(reverse("statistics:table", args=["region", "csv"]))
    assert response["Content-Disposition"].startswith("attachment")
    read = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert read[0] == [str(header) for header in table.headers]
    assert read[1:] == [[str(cell) for cell in row] for row in table.rows]
    assert ["Syd", "fewer than 11"] in read


@pytest.mark.parametrize("path", [("nothing", "csv"), ("country", "exe")])
def test_an_unknown_table_or_format_is_not_found(national_coordinator, path):
    client = client_for(national_coordinator)
    assert client.get(reverse("statistics:table", args=path)).status_code == 404


def test_the_dashboard_costs_the_same_for_10_or_1000_cases(national_coordinator, referrer):
    client = client_for(national_coordinator)
    bulk_cases(10, referrer)
    client.get(URL)
    cache.clear()  # the figures made afresh each time: their cost, not the cache's
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    cache.clear()
    bulk_cases(600, referrer, country="RO", region_code="syd")
    bulk_cases(390, referrer, country="TH", year=THIS_YEAR - 1)
    for code in REGIONS:
        bulk_cases(2, referrer, region_code=code, year=THIS_YEAR - 1)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(few) == len(many)
    assert rows(response, "year")[str(THIS_YEAR - 1)] == 404


def test_the_home_page_offers_the_statistics_to_those_who_may_see_them(
    national_coordinator, social_worker
):
    link = reverse("statistics:dashboard")
    assert link in client_for(national_coordinator).get("/").content.decode()
    assert link not in client_for(social_worker).get("/").content.decode()


def test_scope(national_coordinator, stockholm_coordinator, referrer, nigeria_office, iom_approver):
    assert dashboard.scope_for(national_coordinator).national
    assert dashboard.scope_for(iom_approver) is None
    assert dashboard.scope_for(stockholm_coordinator).regions == {region("stockholm").pk}
    assert dashboard.scope_for(referrer) is None
    assert dashboard.scope_for(nigeria_office) is None


def test_a_chart_draws_the_categories_and_leaves_the_total_to_its_table(
    national_coordinator, referrer
):
    background(referrer)
    response = client_for(national_coordinator).get(URL)
    charts = {item["section"].key: item for item in response.context["sections"]}
    region_chart = charts["region"]["chart"]
    assert [bar.label for bar in region_chart.bars] == [
        "Bergslagen",
        "Mitt",
        "Nord",
        "Stockholm",
        "Syd",
        "Väst",
        "Öst",
    ]
    assert region_chart.table.rows[-1][1] == 14  # the total, in the table only
    assert len(charts["month"]["chart"].points) == 12
    # A multi-valued dimension has no total: every row is drawn.
    assert len(charts["exploitation"]["chart"].bars) == 7


def test_the_age_group_is_the_age_on_the_day_of_referral(referrer):
    # Referred on 1 March (bulk_cases' first day): one the day before their 18th birthday,
    # one on it, one without a date of birth.
    bulk_cases(1, referrer, born=dt.date(THIS_YEAR - 18, 3, 2))
    bulk_cases(1, referrer, born=dt.date(THIS_YEAR - 18, 3, 1))
    bulk_cases(1, referrer, born=None)
    stockholm = region("stockholm").pk
    ages = dashboard.dimension_counts(THIS_YEAR)["age"]
    assert ages == {("0", stockholm): 1, ("18", stockholm): 1, (dashboard.NOT_KNOWN, stockholm): 1}


def test_the_demo_history_gives_the_dashboard_figures_to_show_and_to_hide(settings, tmp_path):
    from django.core.management import call_command

    from ampcase.accounts.models import User

    settings.DOCUMENT_ROOT = tmp_path
    call_command("seed_demo", "--force", "--with-history", stdout=io.StringIO())
    response = client_for(User.objects.get(username="national")).get(URL, {"year": THIS_YEAR - 1})
    cells = [
        cell
        for section in response.context["board"].sections
        for row in section.table.rows
        for cell in row[1:]
    ]
    assert sum(cell is SUPPRESSED for cell in cells) >= 10
    assert sum(isinstance(cell, int) and cell >= 11 for cell in cells) >= 10


def test_the_figures_are_kept_until_something_they_count_changes(national_coordinator, referrer):
    background(referrer)
    client = client_for(national_coordinator)
    client.get(URL)
    with CaptureQueriesContext(connection) as again:
        client.get(reverse("statistics:table", args=["region", "csv"]))
    # The session, the user, the filters' years, the data's version, the audit entry: none
    # of the figures' own queries.
    assert not any("WITH b AS" in query["sql"] for query in again.captured_queries)
    # A change made straight in the database, as no service would: the figures are kept.
    case = Case.objects.filter(destination_country="UA").first()
    Case.objects.filter(pk=case.pk).update(destination_country="RO")
    assert rows(client.get(URL), "country")["Ukraine"] == 14
    # Every service writes a timeline entry with its change: the figures are made again.
    services.log_event(case, referrer, "case.destination_changed")
    assert rows(client.get(URL), "country")["Ukraine"] in (13, SUPPRESSED)


def test_the_cached_figures_are_in_the_readers_language(national_coordinator, referrer):
    background(referrer)
    english = client_for(national_coordinator)
    assert "Ukraine" in rows(english.get(URL), "country")
    swedish = sign_in(Client(), national_coordinator)
    assert "Ukraina" in rows(swedish.get(URL), "country")


@pytest.mark.django_db(transaction=True)
def test_the_queries_asked_side_by_side_give_the_same_figures(referrer, settings):
    """Outside a transaction (as in a request) the figures' queries run in threads with
    connections of their own; the figures are those of the queries run one by one."""
    from django.db import connections

    background(referrer)
    bulk_cases(14, referrer, country="NG")
    assert not connection.in_atomic_block
    settings.STATISTICS_PARALLEL = True
    opened = []
    original = dashboard.dimension_counts

    def spy(year):
        opened.append(connections["default"])  # the thread's own connection
        return original(year)

    dashboard.dimension_counts = spy
    try:
        side_by_side = dashboard.build(THIS_YEAR, None)
    finally:
        dashboard.dimension_counts = original
    assert opened and opened[0] is not connection  # another thread's connection
    assert opened[0].connection is None  # closed when its query was done
    settings.STATISTICS_PARALLEL = False
    one_by_one = dashboard.build(THIS_YEAR, None)
    assert [s.table.rows for s in side_by_side.sections] == [
        s.table.rows for s in one_by_one.sections
    ]
    assert side_by_side.by_key["country"].table.rows[1][1] == 14  # Nigeria


def test_support_sums_match_the_payments_one_by_one():
    """The SQL sums against a plain count over the generated payments: committed means
    approved in the year and still standing (approved, paid out, reconciled), disbursed means
    paid out in the year; rejected, cancelled and sent-back payments count nowhere."""
    from collections import defaultdict
    from decimal import Decimal

    from ampcase.bench import generate
    from reintegration.models import Payment, PaymentState

    generate.generate(250, seed=7, users=40)
    payments = list(Payment.objects.select_related("case"))
    # A year with a payment approved and not paid out yet, and one paid out.
    waiting = [p for p in payments if p.state == PaymentState.APPROVED]
    assert waiting
    year = timezone.localtime(waiting[0].decided_at).year
    assert any(p.disbursed_on and p.disbursed_on.year == year for p in payments)
    assert {p.state for p in payments} & {PaymentState.REJECTED, PaymentState.CANCELLED}
    expected = defaultdict(lambda: [Decimal(0), set()])
    for p in payments:
        key = (p.case.destination_country, p.category, p.case.region_id)
        approved = p.decided_at and timezone.localtime(p.decided_at).year == year
        if approved and p.state in (
            PaymentState.APPROVED,
            PaymentState.DISBURSED,
            PaymentState.RECONCILED,
        ):
            expected[("committed", *key)][0] += p.amount
            expected[("committed", *key)][1].add(p.case_id)
        if p.disbursed_on and p.disbursed_on.year == year:
            expected[("disbursed", *key)][0] += p.amount
            expected[("disbursed", *key)][1].add(p.case_id)
    assert dashboard.support_amounts(year) == {
        key: (usd, len(cases)) for key, (usd, cases) in expected.items()
    }


def test_the_statistics_answer_only_reading(national_coordinator):
    client = sign_in(Client(enforce_csrf_checks=False), national_coordinator)
    assert client.post(URL).status_code == 405
    assert client.post(reverse("statistics:table", args=["year", "csv"])).status_code == 405
