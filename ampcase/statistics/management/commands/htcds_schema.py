"""Write the JSON Schema of the HTCDS export (see `ampcase/statistics/schema.py`)."""

from django.core.management.base import BaseCommand, CommandError

from ampcase.statistics import htcds, schema


class Command(BaseCommand):
    help = "Derive the HTCDS 2.0 export's JSON Schema from IOM's field list and write it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if the committed schema differs from the derived one.",
        )

    def handle(self, *args, check: bool = False, **options):
        text = schema.schema_text(htcds.derived_schema())
        if check:
            if schema.SCHEMA_FILE.read_text(encoding="utf-8") != text:
                raise CommandError("The committed HTCDS schema is out of date: run htcds_schema.")
            return
        schema.SCHEMA_FILE.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {schema.SCHEMA_FILE.name}")
