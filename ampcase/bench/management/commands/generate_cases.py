"""`manage.py generate_cases --cases N [--seed S] [--users U]`: realistic cases in bulk for
benchmarks (see `ampcase/bench/generate.py`). Refuses a database that holds real cases."""

from django.core.management.base import BaseCommand, CommandError

from ampcase.bench import generate


class Command(BaseCommand):
    help = "Fill the database with generated cases for benchmarks (never on real data)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="How many cases to make.")
        parser.add_argument("--seed", type=int, default=1, help="The same seed, the same cases.")
        parser.add_argument(
            "--users", type=int, default=300, help="Users to make on the first run (default 300)."
        )
        parser.add_argument(
            "--batch", type=int, default=5000, help="Cases written per batch (default 5000)."
        )
        parser.add_argument(
            "--yes-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="Write even beside cases the generator did not make (DEBUG on, or a database "
            'named with "bench" or "test", only).',
        )

    def handle(self, *args, cases, seed, users, batch, not_production, **options):
        if cases < 1:
            raise CommandError("--cases must be at least 1.")
        refused = generate.refusal(force=not_production)
        if refused:
            raise CommandError(refused)

        def progress(done: int, seconds: float) -> None:
            self.stdout.write(f"  {done} cases, {seconds:.1f} s")

        result = generate.generate(
            cases, seed=seed, users=users, batch=batch, progress=progress if cases > batch else None
        )
        rate = result.cases / result.seconds if result.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Made {result.cases} cases ({result.rows} rows, {result.users_made} new users) "
                f"in {result.seconds:.1f} s: {rate:.0f} cases per second."
            )
        )
