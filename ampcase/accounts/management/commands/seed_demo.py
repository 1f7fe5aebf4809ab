from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ampcase.accounts import demo


class Command(BaseCommand):
    help = (
        "Create the demo organisations and one demo user per role. "
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
        # Every other app with a demo module adds its own data, in INSTALLED_APPS order.
        for app_config in apps.get_app_configs():
            if app_config.name == "ampcase.accounts":
                continue
            try:
                module = import_module(f"{app_config.name}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{app_config.name}.demo":
                    raise
                continue
            made = module.seed()
            self.stdout.write(f"Demo data: {made} {app_config.label} records created.")
