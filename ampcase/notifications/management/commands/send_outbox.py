import signal
import time

from django import db
from django.core.management.base import BaseCommand

from ampcase.notifications.services import run_once


class Command(BaseCommand):
    help = (
        "Send the outbox: build the daily digests that are due, then send every mail that is "
        "due, retrying failures with back-off. One pass, or forever with --loop."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Run until stopped.")
        parser.add_argument(
            "--interval", type=float, default=10.0, help="Seconds between passes with --loop."
        )

    def handle(self, *args, loop: bool = False, interval: float = 10.0, **options):
        stopping = []
        # `docker compose stop` sends SIGTERM: finish the pass under way, then stop.
        if loop:
            signal.signal(signal.SIGTERM, lambda *_args: stopping.append(True))
        while True:
            digests, sent, failed = run_once()
            if digests or sent or failed:
                self.stdout.write(f"digests {digests}, sent {sent}, failed {failed}")
            if not loop or stopping:
                return
            # A worker that runs for days must not keep a connection the database dropped.
            db.close_old_connections()
            slept = 0.0
            while slept < interval and not stopping:
                time.sleep(min(1.0, interval - slept))
                slept += 1.0
            if stopping:
                return
