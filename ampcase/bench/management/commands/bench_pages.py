"""`manage.py bench_pages [--repeat N] [--warmup W] [--page NAME] [--profile]`: time the case
lists, the home page and a case page on the cases in the database (generated ones:
`manage.py generate_cases`). Prints figures, asserts nothing.

Each page is asked through Django's test client with the whole middleware stack, signed in as
the person it is for (a Stockholm region coordinator, an IOM Finland caseworker, the country
office with the most cases), as a production server would answer it (DEBUG off, JIT off):
W requests to warm up, then N timed. For each page: the median and the 99th percentile of
the whole request and of its database time, the number of SQL queries, and the plan
(EXPLAIN ANALYZE) of its slowest query. `--profile` prints where one request of each page
spends its Python time instead.

Everything runs in one transaction that is rolled back at the end: the sign-ins, sessions and
audit entries the pages write are not kept. Like the generator, it refuses a database with
cases it did not make.
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ampcase.accounts.models import OrganisationKind, User
from ampcase.accounts.roles import Role
from ampcase.bench import generate
from referrals import grants
from referrals.models import Case, CaseGroupObjectPermission

STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"


@dataclass
class Page:
    name: str
    user: User
    url: str


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the case lists, the home page and a case page on generated cases."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20, help="Timed requests (20).")
        parser.add_argument("--warmup", type=int, default=3, help="Untimed requests first (3).")
        parser.add_argument(
            "--page", action="append", help="Only the pages named so or so begun (repeatable)."
        )
        parser.add_argument("--profile", action="store_true", help="Profile one request.")
        parser.add_argument("--no-explain", action="store_true", help="Leave out the plans.")

    def handle(self, *args, repeat, warmup, page, profile, no_explain, **options):
        refused = generate.refusal(force=False)
        if refused:
            raise CommandError(refused)
        plain = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_STORAGE}}
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(STORAGES=plain, ALLOWED_HOSTS=hosts, SECURE_SSL_REDIRECT=False):
            try:
                with transaction.atomic():
                    self._run(repeat, warmup, page, profile, not no_explain)
                    raise Rollback
            except Rollback:
                pass

    def _run(self, repeat, warmup, only, profile, explain):
        pages = [p for p in self._pages() if not only or p.name.startswith(tuple(only))]
        cases = Case.objects.count()
        self.stdout.write(
            f"{cases} cases, {connection.vendor} {connection.settings_dict['NAME']}; "
            f"{warmup} warm-up and {repeat} timed requests a page; milliseconds"
        )
        clients, rows = {}, []
        for page in pages:
            if page.user.pk not in clients:
                clients[page.user.pk] = self._sign_in(page.user)
            client = clients[page.user.pk]
            if profile:
                self._profile(page, client)
                continue
            rows.append(self._time(page, client, repeat, warmup, explain))
        if rows:
            self.stdout.write("\npage | median | p99 | database median | database p99 | queries")
            for row in rows:
                self.stdout.write(" | ".join(row))

    def _pages(self) -> list[Page]:
        def member(role, **organisation):
            user = (
                User.objects.filter(groups__name=role, is_active=True, **organisation)
                .order_by("pk")
                .first()
            )
            if user is None:
                raise CommandError(f"No {role} user: run generate_cases first.")
            return user

        coordinator = member(Role.REGION_COORDINATOR, organisation__region__code="stockholm")
        iom = member(Role.IOM_CASEWORKER, organisation__kind=OrganisationKind.IOM_FINLAND)
        # The country office with the most cases: the largest list an office has.
        busiest = (
            CaseGroupObjectPermission.objects.filter(group__name__startswith="scope:country:")
            .values("group__name")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        country = busiest["group__name"].rsplit(":", 1)[1] if busiest else ""
        office = member(Role.COUNTRY_OFFICE, organisation__country=country)
        case = grants.cases_for(coordinator).order_by("-updated_at", "-id").first()
        cases = reverse("referrals:cases")
        return [
            Page("coordinator list p1", coordinator, cases),
            Page("coordinator list p50", coordinator, cases + "?page=50"),
            Page("coordinator list by name", coordinator, cases + "?sort=name"),
            Page("IOM list", iom, cases),
            Page(f"office list ({country})", office, cases),
            Page("coordinator home", coordinator, reverse("home")),
            Page("case page", coordinator, reverse("referrals:case", args=[case.uuid])),
        ]

    def _sign_in(self, user) -> Client:
        # As tests/conftest.py `sign_in`: passed the password and a code just now.
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        client = Client()
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session["auth_at"] = session["verified_at"] = time.time()
        session.save()
        return client

    def _get(self, page, client):
        response = client.get(page.url)
        if response.status_code != 200:
            raise CommandError(f"{page.name}: {page.url} answered {response.status_code}")
        return response

    def _time(self, page, client, repeat, warmup, explain):
        for _ in range(warmup):
            self._get(page, client)
        totals, database, counts, slowest = [], [], [], (0.0, "")
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                self._get(page, client)
                totals.append((time.perf_counter() - start) * 1000)
            database.append(sum(float(q["time"]) for q in captured) * 1000)
            counts.append(len(captured))
            for query in captured:
                if query["sql"].lstrip().upper().startswith("SELECT"):
                    slowest = max(slowest, (float(query["time"]), query["sql"]))
        self.stdout.write(
            f"\n{page.name} [{page.url}]: total median {statistics.median(totals):.1f}, "
            f"p99 {_p99(totals):.1f}; database median {statistics.median(database):.1f}, "
            f"p99 {_p99(database):.1f}; queries {min(counts)}"
            + (f"-{max(counts)}" if max(counts) != min(counts) else "")
        )
        row = (
            page.name,
            f"{statistics.median(totals):.1f}",
            f"{_p99(totals):.1f}",
            f"{statistics.median(database):.1f}",
            f"{_p99(database):.1f}",
            str(max(counts)),
        )
        if explain and slowest[1]:
            self.stdout.write(f"  slowest query ({slowest[0] * 1000:.1f} ms): {slowest[1]}")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[1])
                for (line,) in cursor.fetchall():
                    self.stdout.write("    " + line)
        return row

    def _profile(self, page, client):
        self._get(page, client)
        profiler = cProfile.Profile()
        profiler.enable()
        self._get(page, client)
        profiler.disable()
        self.stdout.write(f"\n{page.name} [{page.url}]")
        stats = pstats.Stats(profiler, stream=self.stdout._out)
        stats.sort_stats("cumulative").print_stats(30)


def _p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]
