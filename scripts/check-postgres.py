"""Stop `make test` at once, with instructions, when PostgreSQL cannot be reached."""

import os
import sys

import psycopg

url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ampcase")
try:
    # Connect to the server's maintenance database: the test database is created by the tests.
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
        pass
except psycopg.OperationalError as error:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    sys.exit(
        f"\nPostgreSQL cannot be reached at {url.split('@')[-1]}:\n  {first_line}\n\n"
        "Start it, then run `make test` again:\n"
        "  on Debian:  pg_ctlcluster --skip-systemctl-redirect 15 main start\n"
        "  in Docker:  docker compose up -d db\n"
        "or point DATABASE_URL at a running server (trust or password in the URL).\n"
    )
