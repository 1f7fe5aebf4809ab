"""The client's address, the same for the audit trail and the lockout; the header that names
a download."""

import ipaddress
import os
import re
import unicodedata

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import content_disposition_header


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, unless the app runs behind TRUSTED_PROXY_COUNT proxies that append to
    X-Forwarded-For: then the address the outermost trusted proxy saw. Anything a client put
    into X-Forwarded-For itself is never believed."""
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    return _valid(hops[-proxies]) or remote


_NOT_PLAIN_ASCII = re.compile(r"[^A-Za-z0-9._-]+")


def ascii_filename(filename: str) -> str:
    """`filename` in plain ASCII, for the few clients that read only `filename=`: letters lose
    their accents ("ÅMP" becomes "AMP"), anything else becomes "_", and a name with nothing
    left becomes "document"."""
    stem, extension = os.path.splitext(filename)
    decomposed = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = _NOT_PLAIN_ASCII.sub("_", decomposed).strip("._-")
    return f"{stem or 'document'}{_NOT_PLAIN_ASCII.sub('', extension)}"


def attachment_disposition(filename: str) -> str:
    """The Content-Disposition of a download named `filename` (RFC 6266).

    `filename` must already be a plain name (letters of any alphabet, digits, ".", "_", "-").
    A name beyond ASCII goes as `filename*` in UTF-8, which every current browser prefers,
    after a plain ASCII `filename` for the others. Django writes each part.
    """
    fallback = ascii_filename(filename)
    header = content_disposition_header(as_attachment=True, filename=fallback)
    if not filename.isascii():
        utf8 = content_disposition_header(as_attachment=True, filename=filename)
        header += "; " + utf8.removeprefix("attachment; ")
    return header
