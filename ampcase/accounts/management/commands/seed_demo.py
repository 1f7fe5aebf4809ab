from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ampcase import demo as cases
from ampcase.accounts import demo


class Command(BaseCommand):
    help = (
        "Create the demo organisations, one demo user per role and the demo cases. "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off (never on a production database).",
        )
        parser.add_argument(
            "--with-history",
            action="store_true",
            help="Add some years of made-up cases, so that the statistics have figures to show.",
        )

    def handle(self, *args, force: bool = False, with_history: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo users with known passwords while DEBUG is off. "
                "Use --force only on a database that is not production."
            )
        orgs, users = demo.seed()
        self.stdout.write(f"Demo data: {orgs} organisations and {users} users created.")
        made = cases.seed()
        self.stdout.write(f"Demo data: {made} cases created.")
        history = cases.seed_history() if with_history else 0
        if history:
            self.stdout.write(
                f"Demo data: {history} made-up cases of earlier years for the statistics."
            )
