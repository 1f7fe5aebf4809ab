"""Time PDF rendering: prints figures, asserts nothing.

Renders the sample document the PDF tests use (three pages of a table, Swedish) once to warm
up, then RUNS more times, and prints how long `import weasyprint` took, the mean and slowest
seconds per PDF, the number of pages and the size.

    DEBUG=true .venv/bin/python scripts/bench-pdf.py [RUNS]

With DEBUG off the manifest storage needs `collectstatic` first, as in production.
"""

import io
import logging
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# The sample template lives with the tests, so that its strings stay out of the catalogue.
TEST_TEMPLATES = BASE_DIR / "tests" / "templates"

CONTEXT = {
    "person_name": "Åsa Öberg-Ärlig",
    "reference": "AMP-2025-0042",
    "rows": [
        {"date": f"2025-03-{day % 28 + 1:02d}", "description": f"Utlägg {day}", "amount": "150.00"}
        for day in range(65)
    ],
}


def main(runs: int) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ampcase.settings")

    import django

    django.setup()

    import pypdf
    from django.conf import settings
    from django.test.utils import override_settings

    # WeasyPrint logs every rendering step at INFO, from the import on; the figures are what
    # this prints.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    # Timed before ampcase.lib.pdf renders anything, which is when the app pays this cost.
    started = time.perf_counter()
    import weasyprint

    import_seconds = time.perf_counter() - started

    from ampcase.lib.pdf import render_pdf

    engine = settings.TEMPLATES[0]
    with override_settings(TEMPLATES=[{**engine, "DIRS": [*engine["DIRS"], TEST_TEMPLATES]}]):
        started = time.perf_counter()
        pdf = render_pdf("pdf_sample.html", CONTEXT, language="sv")
        first_seconds = time.perf_counter() - started

        durations = []
        for _ in range(runs):
            started = time.perf_counter()
            pdf = render_pdf("pdf_sample.html", CONTEXT, language="sv")
            durations.append(time.perf_counter() - started)

    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    print(f"weasyprint {weasyprint.__version__}, static storage: {_storage_name(settings)}")
    print(f"import weasyprint:  {import_seconds:.3f} s")
    print(f"first PDF (warm-up): {first_seconds:.3f} s")
    print(f"mean per PDF:       {statistics.mean(durations):.3f} s over {runs} runs")
    print(f"max per PDF:        {max(durations):.3f} s")
    print(f"pages:              {pages}")
    print(f"bytes:              {len(pdf)}")


def _storage_name(settings) -> str:
    return settings.STORAGES["staticfiles"]["BACKEND"].rsplit(".", 1)[-1]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
