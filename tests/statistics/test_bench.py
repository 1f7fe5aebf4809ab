"""The statistics benchmark runs on generated cases and prints its figures."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ampcase.bench import generate
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_the_benchmark_prints_the_dashboards_times_on_generated_cases():
    generate.generate(40, seed=5, users=40)
    out = io.StringIO()
    call_command("bench_statistics", repeat=1, stdout=out)
    printed = out.getvalue()
    assert printed.startswith("40 cases, postgresql")
    assert (
        printed.count(" queries)") == 8
    )  # two years, nationally and the largest region, fresh and again


def test_the_benchmark_refuses_a_database_with_real_cases():
    make_case()
    with pytest.raises(CommandError):
        call_command("bench_statistics", repeat=1, stdout=io.StringIO())
