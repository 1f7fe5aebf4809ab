"""`manage.py bench_pages`: it times every page on generated cases, keeps nothing it wrote,
and refuses a database with cases the generator did not make."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ampcase.audit.models import AuditEvent
from ampcase.bench import generate
from tests.factories import make_case

pytestmark = pytest.mark.django_db

PAGES = [
    "coordinator list p1",
    "coordinator list p50",
    "coordinator list by name",
    "IOM list",
    "office list",
    "coordinator home",
    "case page",
]


def test_times_every_page_and_keeps_nothing_it_wrote():
    generate.generate(40, seed=5, users=80, now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    events = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("bench_pages", repeat=2, warmup=0, stdout=out)
    table = out.getvalue().split("page | median |", 1)[1].splitlines()[1:]
    assert [row.split(" | ")[0].split(" (")[0] for row in table] == PAGES
    assert "slowest query" in out.getvalue()
    assert AuditEvent.objects.count() == events


def test_refuses_a_database_with_cases_it_did_not_make():
    make_case()
    with pytest.raises(CommandError, match="did not make"):
        call_command("bench_pages", repeat=1, warmup=0, stdout=io.StringIO())
