"""PDF documents rendered from Django templates with WeasyPrint.

Every PDF goes through `render_pdf`. User text ends up in that HTML, so WeasyPrint gets a URL
fetcher that serves the app's own static files and nothing else: no `file:`, no network, no
`data:`. Autoescaping keeps user text out of tags; the fetcher is the defence in depth for
values a template puts into attributes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ampcase.lib.http import attachment_disposition

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

# The document's base URL. Relative URLs in the HTML, such as the ones `{% static %}` writes,
# resolve against it. The `.invalid` top-level domain never resolves (RFC 2606), and nothing
# here ever opens a connection: the fetcher maps URLs under STATIC_URL to local files.
BASE_URL = "https://ampcase-pdf.invalid/"

# Only the kinds of file a PDF needs, each with the type WeasyPrint expects. WeasyPrint
# ignores a linked stylesheet unless it is served as text/css.
CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}

# Only plain names in download file names: letters (of any alphabet, "ÅMP" keeps its Å),
# digits, ".", "_" and "-"; no quotes, slashes, spaces, control or formatting characters, or
# anything else a browser or a file system could read as more than a name.
_UNSAFE_FILENAME_CHARACTERS = re.compile(r"(?:[^\w.-]|\.{2,})+")


class ResourceRefused(ValueError):
    """A PDF asked for something other than one of the app's own static files.

    WeasyPrint catches it like any failed fetch, logs it and leaves the resource out.
    """


def render_pdf(template_name: str, context: dict, *, language: str) -> bytes:
    """Render `template_name` with `context` in `language` and return the PDF's bytes.

    The template should extend `pdf/base.html`. Nothing outside the app's static files is
    loaded, whatever the context holds.
    """
    # Imported here: importing WeasyPrint costs one to two seconds, which every process
    # (management commands, tests, web workers) would otherwise pay whether it makes PDFs or not.
    import weasyprint

    with translation.override(language):
        html = render_to_string(template_name, {**context, "pdf_page_counter": _page_counter_css()})
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=static_url_fetcher())
    return document.write_pdf()


def pdf_response(pdf_bytes: bytes, filename: str) -> HttpResponse:
    """Return `pdf_bytes` as a download named after `filename`.

    `filename` must not hold personal data (pass a case reference, never a name): it ends up
    in the browser's download list and on the user's disk. It is reduced to letters, digits,
    dots, hyphens and underscores, and sent in UTF-8 with an ASCII fallback.
    """
    response = HttpResponse(pdf_bytes, content_type="application/pdf")
    response["Content-Disposition"] = attachment_disposition(safe_pdf_filename(filename))
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser open it after all, whatever it holds runs with no privileges.
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    return response


def safe_pdf_filename(filename: str) -> str:
    """Reduce `filename` to a safe name that ends in `.pdf`."""
    stem = unicodedata.normalize("NFC", filename).removesuffix(".pdf").removesuffix(".PDF")
    stem = _UNSAFE_FILENAME_CHARACTERS.sub("-", stem).strip(".-_")[:80]
    return f"{stem or 'document'}.pdf"


def static_url_fetcher() -> URLFetcher:
    """Return a WeasyPrint URL fetcher that serves the app's static files and refuses the rest."""
    return _static_fetcher_class()()


def read_static_url(url: str) -> tuple[bytes, str]:
    """Return the content and content type of the static file that `url` names.

    `url` is absolute, as WeasyPrint passes it: `BASE_URL` joined with what `{% static %}`
    wrote. Raises `ResourceRefused` for any URL that is not one of the app's static files.
    """
    name = _static_name(url)
    content_type = CONTENT_TYPES.get(PurePosixPath(name).suffix.lower())
    if content_type is None:
        raise ResourceRefused("Only stylesheets, fonts and images are loaded into PDFs.")
    path = _find_static_file(name)
    if path is None:
        raise ResourceRefused("No such static file.")
    return path.read_bytes(), content_type


def _static_name(url: str) -> str:
    """Return the static file name in `url`, the part after STATIC_URL."""
    # The messages leave the URL out: it may be user text, and WeasyPrint logs the message.
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise ResourceRefused("Malformed URL.") from error
    prefix = urlsplit(urljoin(BASE_URL, settings.STATIC_URL))
    if (
        parts.scheme.lower() != prefix.scheme.lower()
        or parts.netloc.lower() != prefix.netloc.lower()
        or not parts.path.startswith(prefix.path)
    ):
        raise ResourceRefused("Only the app's own static files are loaded into PDFs.")
    name = unquote(parts.path[len(prefix.path) :])
    # The finders and storages refuse paths that leave their directories too; refusing here
    # as well keeps that from resting on one check.
    segments = name.split("/")
    if "\\" in name or "\x00" in name or any(s in {"", ".", ".."} for s in segments):
        raise ResourceRefused("Not a plain static file name.")
    return name


def _find_static_file(name: str) -> Path | None:
    """Return the file behind the static `name`, or None.

    The finders come first: they read the source files, so a development server shows
    current CSS without `collectstatic`. A hashed name written by the manifest storage exists
    only in STATIC_ROOT, where the storage finds it.
    """
    found = finders.find(name)
    if isinstance(found, str) and Path(found).is_file():
        return Path(found)
    if settings.STATIC_ROOT and Path(settings.STATIC_ROOT).is_dir():
        try:
            path = Path(staticfiles_storage.path(name))
        except NotImplementedError:
            # A storage without local files (a cloud bucket) is not read: that would be a
            # network fetch.
            return None
        if path.is_file():
            return path
    return None


@functools.cache
def _static_fetcher_class() -> type[URLFetcher]:
    """Build the fetcher class on first use, so that importing this module stays cheap."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnlyFetcher(URLFetcher):
        def __init__(self) -> None:
            # No protocol is allowed: should WeasyPrint ever reach the parent's opener (which
            # handles file:, http: and ftp:), it refuses.
            super().__init__(allowed_protocols=(), allow_redirects=False)

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            content, content_type = read_static_url(url)
            return URLFetcherResponse(url, content, {"Content-Type": content_type})

    return StaticFilesOnlyFetcher


def _page_counter_css() -> SafeString:
    """Return the CSS `content` value for "Page X of Y" in the active language.

    One translatable sentence with placeholders, so that translators choose the word order;
    the placeholders become CSS page counters.
    """
    sentence = gettext("Page %(page)s of %(pages)s")
    counters = {"%(page)s": "counter(page)", "%(pages)s": "counter(pages)"}
    values = []
    for piece in re.split(r"(%\(pages?\)s)", sentence):
        if piece in counters:
            values.append(counters[piece])
        elif piece:
            values.append(_css_string(piece))
    # Safe: every piece of text was escaped into a CSS string by _css_string.
    return mark_safe(" ".join(values))  # noqa: S308


def _css_string(text: str) -> str:
    """Quote `text` as a CSS string that cannot end the string or the <style> element."""
    # A six-digit escape needs no terminating space, so the next character cannot merge in.
    escaped = "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text)
    return f'"{escaped}"'
