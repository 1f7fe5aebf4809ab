from django.core.management.base import BaseCommand

from ampcase.accounts import demo


class Command(BaseCommand):
    help = "Print the demo users, their password and their unused backup codes."

    def handle(self, *args, **options):
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD})")
        self.stdout.write(
            "After the password, enter one of the user's backup codes; each works once."
        )
        self.stdout.write("")
        for username, role, codes in demo.logins():
            shown = " ".join(codes[:4]) if codes else "(none left: reset with a new database)"
            self.stdout.write(f"  {username:<17} {role:<24} backup codes: {shown}")
        self.stdout.write("")
