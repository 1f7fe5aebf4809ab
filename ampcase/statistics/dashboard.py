"""The statistics dashboard: counts, durations, money and follow-ups of one year, for the
whole programme or one region, every number cleared by `release.py` first.

Aggregates are asked of the database (GROUP BY; one statement gathers every dimension from a
common table expression the database builds once), never computed by looping over cases:
the page runs the same handful of queries whatever the number of cases. Durations are
quartiles (`percentile_cont` on PostgreSQL; on the SQLite demo database, which has no such
function, from the list of durations).

Who sees what (`scope_for`): the national coordinator and IOM Finland's caseworkers the whole
programme, with a region filter; a region coordinator their own region only. Everyone else
(referrers, social workers, IOM Finland's approvers, country offices): nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics as pystats
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Case as CaseWhen
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, ExtractYear
from django.utils import timezone, translation
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from ampcase.accounts.models import Region
from ampcase.accounts.roles import Role
from ampcase.lib import fsm
from ampcase.lib.suppression import may_show_statistic
from ampcase.lib.tables import SUPPRESSED, Table
from referrals.models import (
    Case,
    CaseEvent,
    CaseOutcome,
    CaseState,
    Decision,
    EligibilityAssessment,
    Exploitation,
    Person,
    RiskLevel,
)
from reintegration.models import PAID, Category, FollowUp, Payment, TravelPlan, TravelState

from . import release

# IOM Finland's caseworkers run the cases and report them; its approvers decide payments and
# see no statistics (issue 12), nor do referrers, social workers and country offices.
NATIONAL_ROLES = frozenset({Role.NATIONAL_COORDINATOR, Role.IOM_CASEWORKER})


@dataclass(frozen=True)
class Scope:
    """What a viewer may see: the whole programme (`regions` None) or some regions."""

    regions: frozenset[int] | None

    @property
    def national(self) -> bool:
        return self.regions is None


def scope_for(user) -> Scope | None:
    """The viewer's scope, or None: no statistics for this user."""
    if NATIONAL_ROLES & user.roles:
        return Scope(None)
    if Role.REGION_COORDINATOR in user.roles and user.organisation.region_id:
        return Scope(frozenset({user.organisation.region_id}))
    return None


# --- The dimensions ---------------------------------------------------------------------------

NOT_KNOWN = "-"
OTHER_COUNTRIES = "*"


@dataclass(frozen=True)
class Dimension:
    key: str
    title: object  # a lazy text: "Cases by ..."
    heading: object  # the first column's header
    # (code, label) in the order shown; None: the codes found, labelled by `label`.
    choices: tuple | None = None
    multi: bool = False
    chart: str = "bars"


def _choices(enum, *, none_label=None) -> tuple:
    pairs = tuple((str(value), label) for value, label in enum.choices)
    return pairs + (((NOT_KNOWN, none_label),) if none_label else ())


AGE_GROUPS = (
    ("0", _("Under 18")),
    ("18", _("18 to 24")),
    ("25", _("25 to 34")),
    ("35", _("35 to 49")),
    ("50", _("50 and over")),
    (NOT_KNOWN, _("Not known")),
)
JOURNEY_OUTCOMES = (
    (TravelState.ARRIVED, pgettext_lazy("journey", "Arrived")),
    (TravelState.CANCELLED, pgettext_lazy("journey", "Cancelled")),
    (TravelState.INCIDENT, pgettext_lazy("journey", "Incident")),
    (NOT_KNOWN, _("No journey ended")),
)

DIMENSIONS = (
    Dimension(
        "month",
        _("Cases by month of referral"),
        _("Month"),
        tuple((str(number), name) for number, name in MONTHS.items()),
        chart="line",
    ),
    Dimension("state", _("Cases by state now"), _("State"), _choices(CaseState)),
    Dimension("country", _("Cases by destination country"), _("Destination"), None),
    Dimension(
        "exploitation",
        _("Cases by form of exploitation"),
        _("Form of exploitation"),
        _choices(Exploitation),
        multi=True,
    ),
    Dimension(
        "basis",
        _("Cases by basis of eligibility"),
        _("Basis"),
        _choices(EligibilityAssessment.Basis, none_label=_("Not assessed yet")),
    ),
    Dimension("age", _("Cases by age group at referral"), _("Age at referral"), AGE_GROUPS),
    Dimension(
        "children",
        _("Cases with and without accompanying children"),
        _("Children"),
        (("1", _("With accompanying children")), ("0", _("Without accompanying children"))),
    ),
    Dimension(
        "risk",
        _("Cases by risk level"),
        _("Risk level"),
        _choices(RiskLevel, none_label=_("No risk table completed")),
    ),
    Dimension("journey", _("Cases by journey outcome"), _("Journey"), JOURNEY_OUTCOMES),
    Dimension(
        "outcome",
        _("Cases by outcome"),
        _("Outcome"),
        _choices(CaseOutcome, none_label=_("Not closed")),
    ),
)
DIMENSION_KEYS = tuple(dimension.key for dimension in DIMENSIONS)
PARTITIONS = tuple(d.key for d in DIMENSIONS if not d.multi and d.key != "exploitation")


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of `year` and of the next, in the programme's time zone."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime(year, 1, 1, tzinfo=zone),
        dt.datetime(year + 1, 1, 1, tzinfo=zone),
    )


def _date_key(field: str):
    """A date as the number yyyymmdd (in the programme's time zone for a moment)."""
    return ExtractYear(field) * 10000 + ExtractMonth(field) * 100 + ExtractDay(field)


def _age_expression():
    # Whole years between two yyyymmdd numbers: the difference divided by 10,000, rounded
    # down (an integer division in both PostgreSQL and SQLite).
    return ExpressionWrapper(
        (_date_key("created_at") - _date_key("returnee__date_of_birth")) / 10000,
        output_field=IntegerField(),
    )


# The age groups' lower bounds (years at referral), in the order of AGE_GROUPS.
AGE_BOUNDS = (("50", 50), ("35", 35), ("25", 25), ("18", 18))


def _age_group_sql(column: str) -> str:
    """The age group of an age column, as SQL: in the statement that groups the rows, so
    that each row's age is worked out once (a CASE over the age expression would work it
    out again for every branch)."""
    branches = " ".join(f"WHEN {column} >= {bound} THEN '{code}'" for code, bound in AGE_BOUNDS)
    return f"CASE WHEN {column} IS NULL THEN '{NOT_KNOWN}' {branches} ELSE '0' END"


def _journey_outcome():
    ended = (
        TravelPlan.objects.filter(
            case=OuterRef("pk"),
            state__in=[TravelState.ARRIVED, TravelState.CANCELLED, TravelState.INCIDENT],
        )
        # An arrival counts over any earlier cancelled journey; else the last one that ended.
        .order_by(
            CaseWhen(When(state=TravelState.ARRIVED, then=Value(0)), default=Value(1)),
            F("ended_at").desc(nulls_last=True),
            "-created_at",
        )
        .values("state")[:1]
    )
    return Subquery(ended, output_field=TextField())


def base_cases(year: int) -> QuerySet:
    """Every case referred in `year`, one row each with its category in every dimension
    (codes as text), ready to be grouped."""
    start, end = year_bounds(year)
    children = Person.objects.filter(case=OuterRef("pk"), relation=Person.Relation.CHILD)
    return (
        Case.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(
            returnee=FilteredRelation(
                "people", condition=Q(people__relation=Person.Relation.RETURNEE)
            ),
            created_month=ExtractMonth("created_at"),
            exploitation_text=Cast("eligibility__exploitation", TextField()),
        )
        .annotate(age=_age_expression())
        .annotate(
            d_month=Cast("created_month", TextField()),
            d_state=F("state"),
            d_country=CaseWhen(
                When(destination_country="", then=Value(NOT_KNOWN)),
                default=F("destination_country"),
                output_field=TextField(),
            ),
            d_basis=CaseWhen(
                When(eligibility__basis__isnull=True, then=Value(NOT_KNOWN)),
                default=F("eligibility__basis"),
                output_field=TextField(),
            ),
            d_children=CaseWhen(
                When(Exists(children), then=Value("1")),
                default=Value("0"),
                output_field=TextField(),
            ),
            d_risk=CaseWhen(
                When(risk_level__isnull=True, then=Value(NOT_KNOWN)),
                default=Cast("risk_level", TextField()),
                output_field=TextField(),
            ),
            d_journey=_journey_outcome(),
            d_outcome=CaseWhen(
                When(outcome="", then=Value(NOT_KNOWN)),
                default=F("outcome"),
                output_field=TextField(),
            ),
        )
        .order_by()
        .values(
            "region_id",
            *(f"d_{key}" for key in PARTITIONS if key != "age"),
            "age",
            "exploitation_text",
        )
    )


def dimension_counts(year: int) -> dict[str, dict[tuple[str, int], int]]:
    """{dimension: {(category code, region id): cases}} for the cases referred in `year`,
    and under "year" {(year as text, region id): cases} for every year: one statement. The
    common table expression holds a row a case; each dimension is one GROUP BY over it
    (PostgreSQL builds it once, as it is named more than once)."""
    base = base_cases(year)
    sql, params = base.query.get_compiler(using=base.db).as_sql()
    quote = connection.ops.quote_name
    parts = []
    # Only the code's own names go into the text; the values are parameters of `base`.
    for key in PARTITIONS:
        column = quote(f"d_{key}")
        if key == "age":
            parts.append(
                f"SELECT 'age', b.{quote('region_id')}, {_age_group_sql('b.' + quote('age'))}, "  # noqa: S608
                "COUNT(*) FROM b GROUP BY 2, 3"
            )
            continue
        parts.append(
            f"SELECT '{key}', b.{quote('region_id')}, COALESCE(CAST(b.{column} AS TEXT), "  # noqa: S608
            f"'{NOT_KNOWN}'), COUNT(*) FROM b GROUP BY b.{quote('region_id')}, b.{column}"
        )
    # A case names several forms: each form it names (its JSON list read as text holds the
    # form's code in quotes) counts once, in one pass over the rows.
    forms = " UNION ALL ".join(f"SELECT '{form}' AS form" for form in Exploitation.values)
    parts.append(
        f"SELECT 'exploitation', b.{quote('region_id')}, f.form, COUNT(*) "  # noqa: S608
        f"FROM b JOIN ({forms}) f ON b.{quote('exploitation_text')} LIKE '%%\"' || f.form "
        f"|| '\"%%' GROUP BY b.{quote('region_id')}, f.form"
    )
    # The year table in the same statement, so that it counts from the same snapshot as the
    # dimensions whose totals it fixes: a case logged between two statements would otherwise
    # make a dimension's totals differ from the year table's, and the difference tell it.
    years = year_counts_query()
    years_sql, years_params = years.query.get_compiler(using=years.db).as_sql()
    parts.append(
        f"SELECT 'year', y.{quote('region_id')}, CAST(y.{quote('year')} AS TEXT), "  # noqa: S608
        f"y.{quote('cases')} FROM ({years_sql}) y"
    )
    statement = f"WITH b AS ({sql}) " + " UNION ALL ".join(parts)
    result: dict[str, dict[tuple[str, int], int]] = {key: {} for key in (*DIMENSION_KEYS, "year")}
    with connection.cursor() as cursor:
        cursor.execute(statement, (*params, *years_params))
        for dimension, region, code, count in cursor.fetchall():
            if count:
                result[dimension][(code, region)] = int(count)
    return result


def year_counts_query() -> QuerySet:
    """Cases by year of referral and region (rows: year, region_id, cases)."""
    return (
        Case.objects.annotate(year=ExtractYear("created_at"))
        .order_by()
        .values("year", "region_id")
        .annotate(cases=Count("pk"))
        .values("year", "region_id", "cases")
    )


# --- Durations --------------------------------------------------------------------------------


DURATIONS = (
    ("to_decision", _("From referral to IOM Finland's decision")),
    ("to_departure", _("From the decision to the departure")),
)
QUARTILES = ((0.25, "q1"), (0.5, "median"), (0.75, "q3"))


def duration_cases(year: int, region: int | None) -> QuerySet:
    start, end = year_bounds(year)
    decided = Decision.objects.filter(
        case=OuterRef("pk"),
        outcome__in=[Decision.Outcome.APPROVED, Decision.Outcome.REJECTED],
    ).values("case")
    departed = TravelPlan.objects.filter(case=OuterRef("pk"), departed_at__isnull=False).values(
        "case"
    )
    cases = Case.objects.filter(created_at__gte=start, created_at__lt=end)
    if region is not None:
        cases = cases.filter(region_id=region)
    return cases.annotate(
        decided_at=Subquery(decided.annotate(first=Min("decided_at")).values("first")[:1]),
        departed_at=Subquery(departed.annotate(first=Min("departed_at")).values("first")[:1]),
    ).annotate(
        to_decision=ExpressionWrapper(
            F("decided_at") - F("created_at"), output_field=DurationField()
        ),
        to_departure=ExpressionWrapper(
            F("departed_at") - F("decided_at"), output_field=DurationField()
        ),
    )


def durations(year: int, region: int | None) -> dict[str, dict[str, dt.timedelta | int]]:
    """{duration: {"cases": n, "q1": ..., "median": ..., "q3": ...}}: one query."""
    cases = duration_cases(year, region)
    if connection.vendor == "postgresql":
        # Each case's moments once (a common table expression), then the quartiles: asked of
        # the annotated rows directly, PostgreSQL would run the subqueries once a figure.
        # The moments, each looked up once; the durations are their differences.
        rows = cases.order_by().values("created_at", "decided_at", "departed_at")
        sql, params = rows.query.get_compiler(using=rows.db).as_sql()
        quote = connection.ops.quote_name
        spans = {
            "to_decision": f"d.{quote('decided_at')} - d.{quote('created_at')}",
            "to_departure": f"d.{quote('departed_at')} - d.{quote('decided_at')}",
        }
        fractions = ", ".join(str(fraction) for fraction, _name in QUARTILES)
        figures = []
        for key, _label in DURATIONS:
            # The three quartiles from one sort of the durations.
            figures.append(f"COUNT({spans[key]})")
            figures.append(
                f"percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY {spans[key]})"
            )
        with connection.cursor() as cursor:
            cursor.execute(f"WITH d AS ({sql}) SELECT {', '.join(figures)} FROM d", params)  # noqa: S608
            row = list(cursor.fetchone())
        result = {}
        for index, (key, _label) in enumerate(DURATIONS):
            count, quartiles = row[2 * index], row[2 * index + 1] or [None] * len(QUARTILES)
            result[key] = {
                "cases": count,
                **{name: value for (_f, name), value in zip(QUARTILES, quartiles, strict=True)},
            }
        return result
    # SQLite (the demo): no percentile function; the durations of one year, then quartiles.
    result = {}
    lists = defaultdict(list)
    for values in cases.values_list(*(key for key, _label in DURATIONS)):
        for (key, _label), value in zip(DURATIONS, values, strict=True):
            if value is not None:
                lists[key].append(value)
    for key, _label in DURATIONS:
        values = sorted(lists[key])
        figures: dict = {"cases": len(values)}
        if len(values) >= 2:
            seconds = pystats.quantiles(
                [v.total_seconds() for v in values], n=4, method="inclusive"
            )
            figures.update(
                {
                    name: dt.timedelta(seconds=s)
                    for (_f, name), s in zip(QUARTILES, seconds, strict=True)
                }
            )
        result[key] = figures
    return result


# --- Money and follow-ups ---------------------------------------------------------------------

# Paid out: the payments' own set. Committed: approved and not sent back, so approved now or
# paid out since (the approval's target, read off the state machine).
DISBURSED_STATES = frozenset(PAID)
COMMITTED_STATES = fsm.targets(Payment.approve) | DISBURSED_STATES


def support_amounts(year: int) -> dict[tuple[str, str, str, int], tuple[Decimal, int]]:
    """{(measure, country, category, region): (USD, cases)}: payments approved (committed)
    or paid out (disbursed) in `year`. One statement: each case's sums by category first,
    then the groups, so that counting cases needs no DISTINCT (which sorts every payment)."""
    start, end = year_bounds(year)
    measures = {
        "committed": Q(state__in=COMMITTED_STATES, decided_at__gte=start, decided_at__lt=end),
        "disbursed": Q(state__in=DISBURSED_STATES, disbursed_on__year=year),
    }
    per_case = (
        Payment.objects.filter(measures["committed"] | measures["disbursed"])
        .order_by()
        .values("case_id", "category")
        .annotate(**{measure: Sum("amount", filter=q) for measure, q in measures.items()})
    )
    sql, params = per_case.query.get_compiler(using=per_case.db).as_sql()
    quote = connection.ops.quote_name
    case_table = quote(Case._meta.db_table)
    sums = ", ".join(f"SUM(p.{quote(m)}), COUNT(p.{quote(m)})" for m in measures)
    statement = (
        f"WITH p AS ({sql}) SELECT c.{quote('destination_country')}, p.{quote('category')}, "  # noqa: S608
        f"c.{quote('region_id')}, {sums} FROM p JOIN {case_table} c "
        f"ON c.{quote('id')} = p.{quote('case_id')} GROUP BY 1, 2, 3"
    )
    result = {}
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for country, category, region, *figures in cursor.fetchall():
            for index, measure in enumerate(measures):
                usd, cases = figures[2 * index], figures[2 * index + 1]
                if cases:
                    result[(measure, country or NOT_KNOWN, category, region)] = (
                        Decimal(usd),
                        cases,
                    )
    return result


FOLLOW_UP_STATUSES = (
    ("on_time", _("Done on time")),
    ("late", _("Done late")),
    ("overdue", _("Not done, overdue")),
)


def follow_up_counts(year: int, today: dt.date) -> dict[tuple[str, int], int]:
    """{(status, region): follow-ups} of the follow-ups due in `year` by `today`: one query."""
    status = CaseWhen(
        When(done_on__isnull=True, then=Value("overdue")),
        When(done_on__lte=F("due_on"), then=Value("on_time")),
        default=Value("late"),
        output_field=TextField(),
    )
    rows = (
        FollowUp.objects.filter(due_on__year=year)
        .filter(Q(done_on__isnull=False) | Q(due_on__lt=today))
        .annotate(status=status)
        .order_by()
        .values("status", "case__region_id")
        .annotate(n=Count("pk"))
        .values_list("status", "case__region_id", "n")
    )
    return {(status, region): n for status, region, n in rows}


# --- The page's tables ------------------------------------------------------------------------


@dataclass
class Section:
    """One table of the page, with its chart kind and its download key."""

    key: str
    table: Table
    chart: str = ""  # "bars", "line" or nothing
    note: str = ""
    # Whether the last row is a total ("All cases"), which the chart leaves out.
    has_total: bool = False


@dataclass
class Dashboard:
    year: int
    region: Region | None
    years: list[int]
    sections: list[Section] = field(default_factory=list)

    @cached_property
    def by_key(self) -> dict[str, Section]:
        return {section.key: section for section in self.sections}


def _cell(value: int | None):
    return SUPPRESSED if value is None else value


def _count_table(title, heading, labels, values, total) -> Table:
    rows = [(label, _cell(value)) for label, value in zip(labels, values, strict=True)]
    if total is not False:
        rows.append((_("All cases"), _cell(total)))
    return Table(title, (heading, _("Cases")), rows)


def _days(delta: dt.timedelta | None):
    if delta is None:
        return SUPPRESSED
    return Decimal(delta.total_seconds() / 86400).quantize(Decimal("0.1"))


def gather(*queries):
    """The results of `queries` (functions that each ask the database once), in order.

    On PostgreSQL, outside a transaction (a request is not in one), each runs in a thread of
    its own with its own connection, so that the server works on them side by side: the
    figures at 100,000 cases take about the longest of them instead of their sum. They
    share no numbers that must agree (the cases' counts are one statement), so separate
    snapshots do no harm. Inside a transaction (a service, a test) they run one after the
    other on its connection, which alone sees what it wrote."""
    if (
        not settings.STATISTICS_PARALLEL
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
    ):
        return [query() for query in queries]

    def run(query):
        try:
            return query()
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(queries)) as pool:
        return [future.result() for future in [pool.submit(run, query) for query in queries]]


FIRST_YEAR = 2000


def known_years(this_year: int) -> list[int]:
    """The years the filter offers: from the first case's year to this one. One query."""
    first = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
    start = timezone.localtime(first).year if first else this_year
    return list(range(max(min(start, this_year), FIRST_YEAR), this_year + 1))


# What changes without a service (the admin, a data migration) shows within ten minutes.
CACHE_SECONDS = 600


def data_version() -> tuple:
    """What the figures were made from, in one query of two primary-key lookups: the last
    case made and the last timeline entry. Every service that changes a case, its people,
    journeys, payments or follow-ups writes a timeline entry in the same transaction."""
    quote = connection.ops.quote_name
    parts = ", ".join(
        f"(SELECT MAX({quote('id')}) FROM {quote(model._meta.db_table)})"  # noqa: S608
        for model in (Case, CaseEvent)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        return tuple(str(value) for value in cursor.fetchone())


def cached_build(year: int, region: Region | None) -> Dashboard:
    """`build`, kept ten minutes in the cache while nothing it counts has changed: switching
    filters back, and each table's download after the page, cost one small query. The key
    holds the language (titles and country names are made in it) and the day (what is
    overdue). Counts only, nothing personal, in the cache."""
    today = timezone.localdate()
    key = ":".join(
        [
            "statistics",
            str(year),
            str(region.pk if region else "all"),
            today.isoformat(),
            translation.get_language() or "",
            *data_version(),
        ]
    )
    return cache.get_or_set(
        hashlib.sha256(key.encode()).hexdigest(),
        lambda: build(year, region, today=today),
        CACHE_SECONDS,
    )


def build(year: int, region: Region | None, *, today: dt.date | None = None) -> Dashboard:
    """The dashboard of `year`, nationally (`region` None) or for one region."""
    today = today or timezone.localdate()
    regions = list(Region.objects.order_by("name"))
    region_ids = [r.pk for r in regions]
    selected = region.pk if region else None
    counts, figures, amounts, follow = gather(
        lambda: dimension_counts(year),
        lambda: durations(year, selected),
        lambda: support_amounts(year),
        lambda: follow_up_counts(year, today),
    )
    counts_by_year = {(int(code), r): n for (code, r), n in counts.pop("year").items()}
    first = min((y for y, _r in counts_by_year), default=today.year)
    years = list(range(max(min(first, year), FIRST_YEAR), max(today.year, year) + 1))
    year_table = release.year_release(years, region_ids, counts_by_year)
    board = Dashboard(year=year, region=region, years=years)

    # Cases by year: the year table's column (or row totals).
    board.sections.append(
        Section(
            "year",
            _count_table(
                _("Cases by year of referral"),
                _("Year"),
                [str(y) for y in years],
                year_table.column(selected),
                year_table.total(selected),
            ),
            chart="bars",
            has_total=True,
        )
    )
    line = year_table.table.grid[years.index(year)]
    if selected is None:
        board.sections.append(
            Section(
                "region",
                _count_table(
                    _("Cases by region, %(year)s") % {"year": year},
                    _("Region"),
                    [r.name for r in regions],
                    list(line[:-1]),
                    line[-1],
                ),
                chart="bars",
                has_total=True,
            )
        )

    for dimension in DIMENSIONS:
        data = counts[dimension.key]
        if dimension.key == "country":
            merge = release.common_categories(data, rare=OTHER_COUNTRIES)
            merged: dict[tuple[str, int], int] = defaultdict(int)
            for (code, region_id), n in data.items():
                merged[(merge[code], region_id)] += n
            data = dict(merged)
            codes = sorted(
                {code for code, _r in data if code not in (OTHER_COUNTRIES, NOT_KNOWN)},
                key=lambda code: str(countries.name(code)),
            )
            codes += [c for c in (OTHER_COUNTRIES, NOT_KNOWN) if any(k[0] == c for k in data)]
            codes = codes or [OTHER_COUNTRIES]  # a year without cases
            labels = {
                OTHER_COUNTRIES: _("Other countries (fewer than 11 cases each)"),
                NOT_KNOWN: _("Not known yet"),
            }
            choices = [(code, labels.get(code) or countries.name(code)) for code in codes]
        else:
            choices = list(dimension.choices)
        dimension_table = release.dimension_release(
            [code for code, _label in choices],
            region_ids,
            data,
            year_line=line,
            multi=dimension.multi,
        )
        title = f"{dimension.title}, {year}"
        board.sections.append(
            Section(
                dimension.key,
                _count_table(
                    title,
                    dimension.heading,
                    [label for _code, label in choices],
                    dimension_table.column(selected),
                    False if dimension.multi else dimension_table.total(selected),
                ),
                chart=dimension.chart,
                has_total=not dimension.multi,
                note=(
                    _("A case can name more than one form of exploitation: the rows do not add up.")
                    if dimension.multi
                    else ""
                ),
            )
        )

    # Durations: quartiles in days, shown for groups of at least 11 cases.
    rows = []
    for key, label in DURATIONS:
        group = figures[key]
        shown = may_show_statistic(group["cases"])
        rows.append(
            (label, *(_days(group.get(name)) if shown else SUPPRESSED for _f, name in QUARTILES))
        )
    board.sections.append(
        Section(
            "durations",
            Table(
                _("How long the steps took for cases referred in %(year)s, in days")
                % {"year": year},
                (_("Step"), _("First quartile"), _("Median"), _("Third quartile")),
                rows,
            ),
            note=_("Shown only where at least 11 cases took the step."),
        )
    )

    # Support: USD by destination and category, for groups of at least 11 cases.
    groups: dict[tuple[str, str, str], dict[int, int]] = defaultdict(dict)
    money: dict[tuple[str, str, str, int | None], Decimal] = defaultdict(Decimal)
    for (measure, country, category, region_id), (usd, cases) in amounts.items():
        groups[(measure, country, category)][region_id] = cases
        money[(measure, country, category, region_id)] += usd
        money[(measure, country, category, None)] += usd
    measures = (("committed", _("committed")), ("disbursed", _("disbursed")))
    destinations = sorted(
        {country for _m, country, _c in groups if country != NOT_KNOWN},
        key=lambda code: str(countries.name(code)),
    )
    support_rows = []
    for country in destinations:
        row = [countries.name(country)]
        for category in Category.values:
            for measure, _label in measures:
                group = groups.get((measure, country, category), {})
                if group and release.amount_shown(group, selected):
                    row.append(money[(measure, country, category, selected)])
                else:
                    row.append(SUPPRESSED)
        if any(cell is not SUPPRESSED for cell in row[1:]):
            support_rows.append(row)
    board.sections.append(
        Section(
            "support",
            Table(
                _("Reintegration support in %(year)s, USD, by destination") % {"year": year},
                (
                    _("Destination"),
                    *(
                        f"{label}, {measure_label}"
                        for _c, label in Category.choices
                        for _m, measure_label in measures
                    ),
                ),
                support_rows,
            ),
            note=_(
                "Committed: approved in the year; disbursed: paid out in the year. A sum is "
                "shown only for at least 11 cases; destinations with no sum shown are left out."
            ),
        )
    )

    # Follow-ups due in the year, by whether they were done on time.
    follow_table = release.dimension_release(
        [code for code, _label in FOLLOW_UP_STATUSES],
        region_ids,
        follow,
        year_line=_follow_up_line(follow, region_ids),
    )
    follow_rows = [
        (label, _cell(value))
        for (_code, label), value in zip(
            FOLLOW_UP_STATUSES, follow_table.column(selected), strict=True
        )
    ]
    follow_rows.append((_("All follow-ups due"), _cell(follow_table.total(selected))))
    board.sections.append(
        Section(
            "follow-ups",
            Table(
                _("Follow-ups due in %(year)s") % {"year": year},
                (_("Follow-up"), _("Follow-ups")),
                follow_rows,
            ),
            chart="bars",
            has_total=True,
        )
    )
    return board


def _follow_up_line(counts: dict[tuple[str, int], int], regions: list[int]) -> list[int | None]:
    # Follow-ups are counted apart from cases: their own totals, suppressed as a 1-D line.
    totals = [sum(n for (_s, r), n in counts.items() if r == region) for region in regions]
    line = release.year_release(
        [0], regions, {(0, r): t for r, t in zip(regions, totals, strict=True)}
    )
    return list(line.table.grid[0])
