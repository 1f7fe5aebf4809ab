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

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo users with known passwords while DEBUG is off. "
                "Use --force only on a database that is not production."
            )
        orgs, users = demo.seed()
        self.stdout.write(f"Demo data: {orgs} organisations and {users} users created.")
        made = cases.seed()
        self.stdout.write(f"Demo data: {made} cases created.")
