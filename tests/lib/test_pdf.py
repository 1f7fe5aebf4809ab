"""PDFs: text and language, shipped fonts, the static-only URL fetcher, download headers.

None of these tests touch the database.
"""

import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pypdf
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.templatetags.static import static

from ampcase.lib import pdf
from ampcase.lib.pdf import (
    BASE_URL,
    ResourceRefused,
    pdf_response,
    read_static_url,
    render_pdf,
    static_url_fetcher,
)

NAME = "Åsa Öberg-Ärlig"
REFERENCE = "AMP-2025-0042"
SAMPLE = "pdf_sample.html"
TEST_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Enough rows for the sample to run over three pages.
ROWS = [
    {"date": f"2025-03-{day % 28 + 1:02d}", "description": f"Utlägg {day}", "amount": "150.00"}
    for day in range(65)
]


def render_sample(language: str = "sv", **context) -> bytes:
    return render_pdf(
        SAMPLE, {"person_name": NAME, "reference": REFERENCE, **context}, language=language
    )


def page_texts(pdf_bytes: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages]


def font_names(pdf_bytes: bytes) -> set[str]:
    """Base font names used on the first page, without the subset prefix ("ABCDEF+")."""
    page = pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages[0]
    fonts = page["/Resources"]["/Font"]
    return {str(font.get_object()["/BaseFont"]).split("+")[-1] for font in fonts.values()}


def image_count(pdf_bytes: bytes) -> int:
    """Images drawn anywhere in the PDF, including inside form XObjects."""

    def count(resources) -> int:
        found = 0
        for xobject in (resources or {}).get("/XObject", {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Image":
                found += 1
            elif xobject.get("/Subtype") == "/Form":
                found += count(xobject.get("/Resources"))
        return found

    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    return sum(count(page.get("/Resources")) for page in reader.pages)


@pytest.fixture(autouse=True)
def _test_templates(settings):
    """Make the sample document, which lives with the tests, loadable."""
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], TEST_TEMPLATES]}]


@pytest.fixture
def fetched_urls(monkeypatch) -> list[str]:
    """Record every URL the fetcher serves during a render."""
    urls: list[str] = []

    def recording_read_static_url(url: str) -> tuple[bytes, str]:
        result = read_static_url(url)
        urls.append(url)
        return result

    monkeypatch.setattr(pdf, "read_static_url", recording_read_static_url)
    return urls


@pytest.fixture
def plain_static_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def manifest_static_storage(settings, tmp_path):
    """Production's storage: hashed names that exist only in STATIC_ROOT."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(params=["plain_static_storage", "manifest_static_storage"])
def either_static_storage(request):
    request.getfixturevalue(request.param)
    return request.param


@pytest.fixture
def static_png(settings, tmp_path):
    """A small PNG among the static files, at a name no storage hashes."""
    from PIL import Image

    directory = tmp_path / "extra-static"
    directory.mkdir()
    Image.new("RGB", (8, 8), "black").save(directory / "pdf-test-square.png")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, directory]
    return "/static/pdf-test-square.png"


# Text and language.


@pytest.mark.parametrize("language", ["sv", "en"])
def test_pdf_shows_the_name_with_swedish_letters(language):
    assert NAME in page_texts(render_sample(language))[0]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_pdf_shows_the_case_reference_on_every_page(language):
    texts = page_texts(render_sample(language, rows=ROWS))

    assert len(texts) >= 3
    assert all(REFERENCE in text for text in texts)


def test_swedish_pdf_is_in_swedish():
    text = page_texts(render_sample("sv"))[0]

    assert "Ja" in text.split()
    assert "Yes" not in text


def test_english_pdf_is_in_english():
    text = page_texts(render_sample("en"))[0]

    assert "Yes" in text.split()
    assert "Ja" not in text.split()


def test_pdf_numbers_its_pages_out_of_the_total():
    texts = page_texts(render_sample("en", rows=ROWS))

    assert f"Page 1 of {len(texts)}" in texts[0]
    assert f"Page {len(texts)} of {len(texts)}" in texts[-1]


def test_page_numbers_are_css_counters_inside_the_translated_sentence():
    from django.utils import translation

    with translation.override("en"):
        assert pdf._page_counter_css() == '"Page " counter(page) " of " counter(pages)'


def test_text_in_the_page_numbers_cannot_end_the_css_string_or_the_style_element():
    # Six hex digits end an escape by themselves, so the "1" after the first one stays a "1".
    escaped = pdf._css_string('Sida "1"</style>')

    assert escaped == r'"Sida \0000221\000022\00003c\00002fstyle\00003e"'


def test_rendering_a_pdf_leaves_the_active_language_alone():
    from django.utils import translation

    with translation.override("en"):
        render_sample("sv")

        assert translation.get_language() == "en"


# Fonts.


def test_pdf_embeds_dejavu_sans_regular_and_bold():
    assert font_names(render_sample()) == {"DejaVu-Sans", "DejaVu-Sans-Bold"}


def test_pdf_loads_the_fonts_shipped_with_the_app(either_static_storage, fetched_urls):
    render_sample()

    fetched = [url.rsplit("/", 1)[-1] for url in fetched_urls]
    assert any(name.startswith("DejaVuSans.") and name.endswith(".ttf") for name in fetched)
    assert any(name.startswith("DejaVuSans-Bold.") and name.endswith(".ttf") for name in fetched)


def test_pdf_loads_its_stylesheet_through_static_url(either_static_storage, fetched_urls):
    render_sample()

    assert urljoin(BASE_URL, static("css/pdf.css")) in fetched_urls


def test_manifest_storage_links_the_hashed_stylesheet(manifest_static_storage):
    assert static("css/pdf.css") != "/static/css/pdf.css"


# The URL fetcher.


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.org/x.png",
        "https://example.org/static/css/pdf.css",
        "data:image/png;base64,iVBORw0KGgo=",
        "ftp://example.org/x.png",
    ],
)
def test_fetcher_refuses_anything_but_the_apps_static_url(url):
    with pytest.raises(ResourceRefused):
        static_url_fetcher().fetch(url)


@pytest.mark.parametrize(
    "path",
    [
        "static/%2e%2e/static/css/pdf.css",
        "static/css/%2E%2E/css/pdf.css",
        "static//css/pdf.css",
        "static/css%5Cpdf.css",
    ],
)
def test_fetcher_refuses_static_names_that_are_not_plain(path):
    with pytest.raises(ResourceRefused):
        static_url_fetcher().fetch(BASE_URL + path)


def test_fetcher_refuses_static_files_that_are_not_stylesheets_fonts_or_images():
    with pytest.raises(ResourceRefused):
        static_url_fetcher().fetch(BASE_URL + "static/fonts/LICENSE-DejaVu.txt")


def test_fetcher_refuses_missing_static_files():
    with pytest.raises(ResourceRefused):
        static_url_fetcher().fetch(BASE_URL + "static/css/no-such-file.css")


def test_fetcher_serves_the_stylesheet_as_css(either_static_storage):
    response = static_url_fetcher().fetch(urljoin(BASE_URL, static("css/pdf.css")))

    assert response.content_type == "text/css"
    assert b"@font-face" in response.read()


def test_weasyprint_treats_a_refusal_as_a_failed_fetch():
    from weasyprint.urls import URLFetchingError, fetch

    with pytest.raises(URLFetchingError), fetch(static_url_fetcher(), "file:///etc/passwd"):
        pass


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.org/x.png"])
def test_pdf_with_a_user_entered_image_url_renders_without_the_image(url):
    pdf_bytes = render_sample(image_url=url)

    assert NAME in page_texts(pdf_bytes)[0]
    assert image_count(pdf_bytes) == 0


def test_pdf_draws_an_image_from_the_apps_static_files(static_png):
    # The counterpart of the test above: shows that image_count finds images at all.
    assert image_count(render_sample(image_url=static_png)) == 1


def test_importing_the_pdf_module_does_not_import_weasyprint():
    code = "import sys, ampcase.lib.pdf; print('weasyprint' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ampcase.settings"},
    )

    assert result.stdout.strip() == "False"


# The download.


def test_pdf_response_is_a_pdf():
    assert pdf_response(b"%PDF-1.7", "AMP-2025-0042")["Content-Type"] == "application/pdf"


def test_pdf_response_carries_the_pdf_bytes():
    assert pdf_response(b"%PDF-1.7", "AMP-2025-0042").content == b"%PDF-1.7"


def test_pdf_response_is_an_attachment_named_after_the_reference():
    response = pdf_response(b"%PDF-1.7", "AMP-2025-0042")

    assert response["Content-Disposition"] == 'attachment; filename="AMP-2025-0042.pdf"'


def test_pdf_response_reduces_the_filename_to_a_plain_name():
    response = pdf_response(b"%PDF-1.7", 'Å "AMP"/../2025\r\n0042.pdf')

    assert response["Content-Disposition"] == (
        "attachment; filename=\"A-AMP-2025-0042.pdf\"; filename*=utf-8''%C3%85-AMP-2025-0042.pdf"
    )


def test_pdf_response_keeps_the_a_with_a_ring_in_the_reference():
    # RFC 6266: browsers take the UTF-8 name; the ASCII one is for clients that cannot.
    response = pdf_response(b"%PDF-1.7", "ÅMP-2026-0012-application-sv")

    assert response["Content-Disposition"] == (
        'attachment; filename="AMP-2026-0012-application-sv.pdf"; '
        "filename*=utf-8''%C3%85MP-2026-0012-application-sv.pdf"
    )


def test_pdf_response_falls_back_to_a_generic_ascii_filename():
    response = pdf_response(b"%PDF-1.7", "ЖЖЖ")

    assert response["Content-Disposition"] == (
        "attachment; filename=\"document.pdf\"; filename*=utf-8''%D0%96%D0%96%D0%96.pdf"
    )


def test_pdf_response_names_a_file_with_nothing_left_document():
    response = pdf_response(b"%PDF-1.7", '"/../\r\n')

    assert response["Content-Disposition"] == 'attachment; filename="document.pdf"'


def test_pdf_response_forbids_content_sniffing():
    assert pdf_response(b"%PDF-1.7", "AMP-1")["X-Content-Type-Options"] == "nosniff"


def test_pdf_response_sandboxes_the_document():
    assert pdf_response(b"%PDF-1.7", "AMP-1")["Content-Security-Policy"] == "sandbox"


def test_pdf_response_may_not_be_stored():
    assert pdf_response(b"%PDF-1.7", "AMP-1")["Cache-Control"] == "no-store"
