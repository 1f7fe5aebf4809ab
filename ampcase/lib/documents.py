"""Uploaded documents: checked, cleaned, stored privately and handed out only as attachments.

The people in these documents are in danger if a file leaks or locates them, so:

- only PDF, PNG and JPEG are accepted, sniffed from the content *and* matched against the
  file name's extension; SVG, HTML and anything else are refused;
- images are decoded and re-encoded with Pillow, which drops every piece of metadata (EXIF
  GPS positions among them) and anything hidden after the image data;
- PDFs must parse with pypdf, may not be encrypted and may not carry HTML where browsers
  sniff for it;
- files are written under `settings.DOCUMENT_ROOT` with random names, readable by the app's
  own user alone, and are served only as attachments that no browser will render.

The original file name is never stored: only its extension is compared with the content.
This module imports no project app, so every app may use it.
"""

import hashlib
import io
import os
import re
import stat
import threading
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile, ImageOps
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, WrongPasswordError

from ampcase.lib.http import attachment_disposition

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_DOCUMENT_MEGABYTES = MAX_DOCUMENT_BYTES // (1024 * 1024)

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"

# The extension each kind is stored and downloaded with, and the extensions a user's file
# name may end in for that kind.
STORED_EXTENSIONS: dict[str, str] = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}
ACCEPTED_EXTENSIONS: dict[str, frozenset[str]] = {
    PDF: frozenset({".pdf"}),
    PNG: frozenset({".png"}),
    JPEG: frozenset({".jpg", ".jpeg"}),
}
ALLOWED_CONTENT_TYPES = frozenset(STORED_EXTENSIONS)
ACCEPT_ATTRIBUTE = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"

# Pillow's names for each image kind. Phones often write JPEGs that carry a second, smaller
# picture (Multi-Picture Object); Pillow reports those as MPO, and they are JPEGs all the same.
_PILLOW_FORMATS: dict[str, frozenset[str]] = {
    PNG: frozenset({"PNG"}),
    JPEG: frozenset({"JPEG", "MPO"}),
}

# Pillow's own default, used should somebody switch its limit off: uploads are hostile input,
# and one image of a billion pixels takes gigabytes of memory to decode.
_FALLBACK_MAX_IMAGE_PIXELS = 1024 * 1024 * 1024 // 4 // 3

# Browsers that sniff content look at the first 1445 bytes (the WHATWG "resource header"). A
# PDF is stored as uploaded, so HTML in that region would make it a PDF/HTML polyglot.
_SNIFFED_BYTES = 1445
_HTML_IN_HEADER = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed|meta|link|style|form)\b",
    re.IGNORECASE,
)

MESSAGES = {
    "too_large": _("The file is too large. Upload a file of at most %(max_mb)s MB."),
    "empty": _("The file is empty."),
    "unsupported_type": _("This type of file is not accepted. Upload a PDF, PNG or JPEG file."),
    "extension_mismatch": _(
        "The file's name does not match its content. A PDF must end in .pdf, a PNG in .png "
        "and a JPEG in .jpg or .jpeg."
    ),
    "invalid_pdf": _("The file is not a valid PDF document."),
    "encrypted_pdf": _(
        "The PDF is password-protected or encrypted, so it can be neither checked nor printed. "
        "Upload a copy without protection."
    ),
    "invalid_image": _("The image is damaged or could not be read."),
    "image_too_large": _("The image has too many pixels. Upload a smaller image."),
}


@dataclass(frozen=True)
class ValidatedDocument:
    """An upload that passed every check: `content` is exactly what is to be stored."""

    content: bytes = field(repr=False)
    content_type: str
    extension: str
    sha256: str
    size: int

    @classmethod
    def from_content(cls, content: bytes, content_type: str) -> "ValidatedDocument":
        return cls(
            content=content,
            content_type=content_type,
            extension=STORED_EXTENSIONS[content_type],
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
        )


def _refuse(code: str, **params: Any) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code, params=params or None)


def validate_upload(uploaded_file: UploadedFile) -> ValidatedDocument:
    """Check an uploaded file and return the bytes to store, or raise `ValidationError`.

    Images come back re-encoded without metadata; PDFs come back as uploaded. The file's
    name is used only to compare its extension with the content.
    """
    # The declared size is checked before anything is read, so that an oversized upload costs
    # no memory; the read below is capped as well, in case the declared size is wrong.
    declared_size = getattr(uploaded_file, "size", None)
    if declared_size is not None and declared_size > MAX_DOCUMENT_BYTES:
        raise _refuse("too_large", max_mb=MAX_DOCUMENT_MEGABYTES)
    if declared_size == 0:
        raise _refuse("empty")
    uploaded_file.seek(0)
    content = uploaded_file.read(MAX_DOCUMENT_BYTES + 1)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise _refuse("too_large", max_mb=MAX_DOCUMENT_MEGABYTES)
    if not content:
        raise _refuse("empty")

    content_type = _sniff(content)
    extension = os.path.splitext(uploaded_file.name or "")[1].lower()
    # A name that claims another type (or none) is refused even when the content is fine: the
    # name is what people and programs go by when they open the file later.
    if extension not in ACCEPTED_EXTENSIONS[content_type]:
        raise _refuse("extension_mismatch")

    if content_type == PDF:
        _check_pdf(content)
        return ValidatedDocument.from_content(content, PDF)
    return ValidatedDocument.from_content(_reencode_image(content, content_type), content_type)


def _sniff(content: bytes) -> str:
    # filetype knows neither SVG nor HTML (they are text), so both end up here as None.
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ALLOWED_CONTENT_TYPES:
        raise _refuse("unsupported_type")
    return kind.mime


def _check_pdf(content: bytes) -> None:
    if _HTML_IN_HEADER.search(content[:_SNIFFED_BYTES]):
        raise _refuse("invalid_pdf")
    # Not strict: pypdf's strict mode refuses many real scanner PDFs for harmless slips (an
    # xref offset off by a byte). A file that pypdf cannot read even leniently, that has no
    # pages, or whose page tree is broken is refused all the same.
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
    # Opening an encrypted file tries the empty password, which for AES-256 needs a crypto
    # library the app does not ship: that failure, too, means the file is encrypted.
    except (DependencyError, FileNotDecryptedError, WrongPasswordError) as error:
        raise _refuse("encrypted_pdf") from error
    except Exception as error:
        raise _refuse("invalid_pdf") from error
    try:
        if reader.is_encrypted:
            raise _refuse("encrypted_pdf")
        if len(reader.pages) < 1:
            raise _refuse("invalid_pdf")
        for page in reader.pages:
            # Reading each page's box walks the whole page tree and resolves every page.
            page.mediabox  # noqa: B018
    except ValidationError:
        raise
    # A parser fed hostile bytes can fail in many ways (PdfReadError, but also KeyError,
    # ValueError, RecursionError...); every one of them means the file is refused.
    except Exception as error:
        raise _refuse("invalid_pdf") from error


def _max_image_pixels() -> int:
    return Image.MAX_IMAGE_PIXELS or _FALLBACK_MAX_IMAGE_PIXELS


_TRUNCATION_LOCK = threading.Lock()


def _load_refusing_truncation(image: Image.Image) -> None:
    """Decode every pixel, and refuse a truncated file. WeasyPrint sets Pillow's process-wide
    LOAD_TRUNCATED_IMAGES to True when it is imported, which would otherwise make a truncated
    upload pass after the first PDF of the process."""
    with _TRUNCATION_LOCK:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            image.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _reencode_image(content: bytes, content_type: str) -> bytes:
    """Decode the image and encode it again in the same format, without any metadata."""
    try:
        # Pillow raises DecompressionBombError above twice its pixel limit and warns between
        # once and twice; the warning is an error wherever warnings are made errors (as in the
        # tests). Both, and the explicit check below, refuse the image: the outcome does not
        # depend on the process's warning filters, which are not safe to change per thread.
        with Image.open(io.BytesIO(content)) as probe:
            # filetype looks at a few magic bytes only; Pillow must agree on the format.
            if probe.format not in _PILLOW_FORMATS[content_type]:
                raise _refuse("invalid_image")
            if probe.width * probe.height > _max_image_pixels():
                raise _refuse("image_too_large")
            probe.verify()
        # verify() leaves the image unusable: open it again to decode it fully.
        with Image.open(io.BytesIO(content)) as image:
            _load_refusing_truncation(image)
            # Turn the pixels the way the camera meant before the orientation tag goes away
            # with the rest of the metadata.
            upright = ImageOps.exif_transpose(image)
        # Pillow writes some of `info` back when saving (a JPEG comment, an ICC profile, which
        # can name the device); keep only the transparency, which is part of the picture.
        # EXIF and XMP are written only when passed to save(), which they never are here.
        upright.info = {key: value for key, value in upright.info.items() if key == "transparency"}
        output = io.BytesIO()
        if content_type == JPEG:
            upright.save(output, format="JPEG", quality=90, optimize=True)
        else:
            upright.save(output, format="PNG", optimize=True)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _refuse("image_too_large") from error
    # Pillow reports damaged or hostile images with several exception types (OSError,
    # SyntaxError, ValueError, struct.error...); each one means the image is refused.
    except Exception as error:
        raise _refuse("invalid_image") from error
    return output.getvalue()


def _help_text_now() -> str:
    return gettext("PDF, PNG or JPEG, at most %(max_mb)s MB.") % {"max_mb": MAX_DOCUMENT_MEGABYTES}


# Lazy, because a form's fields are built when its module is imported, before any request has
# chosen a language; interpolating a gettext_lazy string with % would translate it right then.
_help_text = lazy(_help_text_now, str)


class DocumentField(forms.FileField):
    """A file field whose cleaned value is a `ValidatedDocument` (or None when left empty)."""

    # A plain file input: the "currently" link of ClearableFileInput would need a URL for
    # the stored file, and documents are only ever handed out by permission-checked views.
    widget = forms.FileInput
    default_error_messages = {"empty": MESSAGES["empty"]}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _help_text())
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "accept": ACCEPT_ATTRIBUTE}

    def clean(self, data: Any, initial: Any = None) -> Any:
        value = super().clean(data, initial)
        if isinstance(value, UploadedFile):
            return validate_upload(value)
        return value


# Storage keys are generated here and nowhere else: two hex levels of fan-out, then a uuid4
# in hex and the stored extension. Anything else, such as "../../etc/passwd", is refused.
_KEY = re.compile(r"\A([0-9a-f]{2})/([0-9a-f]{2})/(\1\2[0-9a-f]{28})\.(?:pdf|png|jpg)\Z")
_FILE_MODE = 0o600
_DIRECTORY_MODE = 0o700


class InvalidDocumentKey(ValueError):
    """A storage key that `store` could not have produced."""


def _is_within(path: Path, directory: Path) -> bool:
    return path == directory or path.is_relative_to(directory)


def document_root() -> Path:
    """`settings.DOCUMENT_ROOT`, resolved, after making sure no web server hands it out."""
    root = Path(settings.DOCUMENT_ROOT).resolve()
    served = [settings.STATIC_ROOT, *getattr(settings, "STATICFILES_DIRS", ())]
    served.append(getattr(settings, "WHITENOISE_ROOT", None))
    for directory in served:
        if not directory:
            continue
        # STATICFILES_DIRS entries may be (prefix, path) pairs.
        if isinstance(directory, (tuple, list)):
            directory = directory[1]
        directory = Path(directory).resolve()
        if _is_within(root, directory) or _is_within(directory, root):
            raise ImproperlyConfigured(
                "DOCUMENT_ROOT must lie outside every publicly served directory "
                f"(it overlaps {directory})."
            )
    return root


def _path_for(key: str) -> Path:
    if not isinstance(key, str) or not _KEY.match(key):
        raise InvalidDocumentKey("Not a document storage key.")
    root = document_root()
    path = (root / key).resolve()
    # The pattern already rules out "..", absolute paths and separators; resolving catches a
    # symbolic link planted inside the root as well.
    if not path.is_relative_to(root):
        raise InvalidDocumentKey("Not a document storage key.")
    return path


def _make_private_directory(path: Path) -> None:
    try:
        os.mkdir(path, _DIRECTORY_MODE)
    except FileExistsError:
        if not path.is_dir() or path.is_symlink():
            raise
        return
    # mkdir's mode is filtered through the umask; set it explicitly so it is exactly 0o700.
    os.chmod(path, _DIRECTORY_MODE)


def store(document: ValidatedDocument) -> str:
    """Write the document's bytes under DOCUMENT_ROOT and return its storage key.

    The name is random, the file is readable by the app's own user alone (0o600, directories
    0o700) and an existing file is never overwritten.
    """
    if document.extension not in STORED_EXTENSIONS.values():
        raise ValueError("Only a ValidatedDocument's own extension can be stored.")
    name = uuid.uuid4().hex
    key = f"{name[:2]}/{name[2:4]}/{name}{document.extension}"
    path = _path_for(key)
    root = document_root()
    root.parent.mkdir(parents=True, exist_ok=True)
    _make_private_directory(root)
    _make_private_directory(path.parent.parent)
    _make_private_directory(path.parent)

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    descriptor = os.open(path, flags, _FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as file:
            # os.open's mode is filtered through the umask too.
            os.fchmod(file.fileno(), _FILE_MODE)
            file.write(document.content)
            file.flush()
            # The database row that points at this file may commit right after: make sure
            # the bytes are on disk first.
            os.fsync(file.fileno())
    except BaseException:
        # Never leave a partial file behind that a row could end up pointing at.
        path.unlink(missing_ok=True)
        raise
    return key


def open_stored(key: str) -> BinaryIO:
    """Open a stored document for reading. Raises FileNotFoundError if it is gone."""
    path = _path_for(key)
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise InvalidDocumentKey("Not a stored document.")
    return os.fdopen(descriptor, "rb")


def delete_stored(key: str) -> bool:
    """Delete a stored document. Returns whether there was one, so that a retried deletion
    (after the database row is gone) is harmless."""
    path = _path_for(key)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


_UNSAFE_IN_NAME = re.compile(r"[^\w.-]+")


def safe_download_name(download_name: str, content_type: str) -> str:
    """Letters (of any alphabet), digits, ".", "_" and "-" only, ending in the stored type's
    extension; anything else becomes "_". The response adds an ASCII fallback. The caller's
    name must not contain personal data in the first place.
    """
    extension = STORED_EXTENSIONS[content_type]
    # Leading dots would make a hidden file (or "..").
    name = _UNSAFE_IN_NAME.sub("_", unicodedata.normalize("NFC", download_name))
    name = name.strip("._-")[:100]
    stem, current_extension = os.path.splitext(name)
    if current_extension.lower() in ACCEPTED_EXTENSIONS[content_type]:
        name = stem
    return f"{name or 'document'}{extension}"


def document_response(key: str, *, content_type: str, download_name: str) -> FileResponse:
    """A download of a stored document that no browser will display or run.

    Always an attachment, never sniffed (`nosniff`), sandboxed should it be opened anyway
    (`Content-Security-Policy: sandbox`) and never cached. The caller checks permissions
    first and passes the content type recorded when the document was stored.
    """
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise ValueError(f"Documents are never served as {content_type!r}.")
    if not _path_for(key).name.endswith(STORED_EXTENSIONS[content_type]):
        raise ValueError("The content type does not match the stored document.")
    filename = safe_download_name(download_name, content_type)
    response = FileResponse(
        open_stored(key), as_attachment=True, filename=filename, content_type=content_type
    )
    # FileResponse names the file in UTF-8 alone when it is not ASCII: add the ASCII fallback.
    response["Content-Disposition"] = attachment_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    return response
