"""`manage.py bench_statistics [--repeat R]`: time the statistics dashboard on the cases in
the database (generated ones: `manage.py generate_cases`). Prints figures, asserts nothing.

For the latest full year and the current one, nationally and for the largest region: the
seconds to build the figures (every query and the suppression) and to answer the whole page
(the view: filters, audit entry, charts, template), median and slowest of R runs after one
to warm up, and the queries a page runs. Refuses a database with cases it did not generate,
as the generator does: the view writes audit entries.
"""

import statistics
import time

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from ampcase.accounts.models import Region, User
from ampcase.accounts.roles import Role
from ampcase.bench import generate
from ampcase.statistics import dashboard, views
from referrals.models import Case

STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"


class Command(BaseCommand):
    help = "Time the statistics dashboard on generated cases (prints figures)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5, help="Timed runs of each (5).")

    def handle(self, *args, repeat, **options):
        refused = generate.refusal(force=False)
        if refused:
            raise CommandError(refused)
        viewer = User.objects.filter(groups__name=Role.NATIONAL_COORDINATOR).first()
        if viewer is None:
            raise CommandError("No national coordinator: run generate_cases first.")
        cases = Case.objects.count()
        largest = Region.objects.annotate(count=Count("cases")).order_by("-count").first()
        this_year = timezone.localdate().year
        self.stdout.write(
            f"{cases} cases, {connection.vendor}; seconds: median / slowest of {repeat}"
        )
        for year in (this_year - 1, this_year):
            for region in (None, largest):
                where = region.name if region else "all regions"
                build = self._time(
                    lambda year=year, region=region: dashboard.build(year, region), repeat
                )
                query = {"year": year, **({"region": region.code} if region else {})}
                cold, queries = self._page(viewer, query, repeat, cached=False)
                warm, cached_queries = self._page(viewer, query, repeat, cached=True)
                self.stdout.write(
                    f"  {year}, {where}: figures {build[0]:.3f} / {build[1]:.3f}, "
                    f"page {cold[0]:.3f} / {cold[1]:.3f} ({queries} queries), "
                    f"page again {warm[0]:.3f} / {warm[1]:.3f} ({cached_queries} queries)"
                )

    def _time(self, run, repeat) -> tuple[float, float]:
        run()
        seconds = []
        for _ in range(repeat):
            start = time.perf_counter()
            run()
            seconds.append(time.perf_counter() - start)
        return statistics.median(seconds), max(seconds)

    def _page(self, viewer, query, repeat, *, cached) -> tuple[tuple[float, float], int]:
        """The whole page: made afresh, or again with its figures in the cache (nothing
        changed since: the filters switched back, a table downloaded after the page)."""
        factory = RequestFactory()

        def answer():
            if not cached:
                cache.clear()
            request = factory.get("/statistics/", query)
            request.user = viewer
            viewer.is_verified = lambda: True  # as OTPMiddleware marks a second factor
            response = views.statistics_dashboard(request)
            assert response.status_code == 200, response.status_code

        # Static URLs without the manifest `collectstatic` writes for production.
        plain = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_STORAGE}}
        with override_settings(STORAGES=plain):
            times = self._time(answer, repeat)
            with CaptureQueriesContext(connection) as captured:
                answer()
        return times, len(captured)
