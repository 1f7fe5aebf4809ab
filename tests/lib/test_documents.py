"""Uploaded documents: what is refused, what is stored, and how it is handed out."""

import hashlib
import io
import os
import re
import stat

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image, PngImagePlugin
from pypdf import PdfWriter

from ampcase.lib import documents
from ampcase.lib.documents import (
    MAX_DOCUMENT_BYTES,
    DocumentField,
    InvalidDocumentKey,
    ValidatedDocument,
    delete_stored,
    document_response,
    open_stored,
    store,
    validate_upload,
)

# --- Files built in memory --------------------------------------------------------------------


def pdf_bytes(*, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if password is not None:
        # RC4 needs no crypto library, which the app does not ship.
        writer.encrypt(password, algorithm="RC4-128")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def aes_256_encrypted_pdf_bytes() -> bytes:
    """A PDF whose encryption dictionary says AES-256, the default of current PDF tools.

    pypdf cannot write AES without the cryptography package, so the dictionary of an RC4 file
    is rewritten; it is the dictionary that matters to the check, not the cipher text.
    """
    data = pdf_bytes(password="secret")
    data = data.replace(
        b"/V 2\n/R 3\n/Length 128\n",
        b"/V 5\n/R 6\n/Length 256\n/OE <"
        + b"00" * 32
        + b">\n/UE <"
        + b"00" * 32
        + b">\n/Perms <"
        + b"00" * 16
        + b">\n/CF << /StdCF << /CFM /AESV3 /Length 32 >> >>\n/StmF /StdCF\n/StrF /StdCF\n",
    )
    data = data.replace(b"/O <", b"/O <" + b"00" * 16).replace(b"/U <", b"/U <" + b"00" * 16)
    xref = data.rfind(b"\nxref\n") + 1
    return re.sub(rb"startxref\n\d+", b"startxref\n%d" % xref, data)


def image_bytes(image_format: str, *, size: tuple[int, int] = (20, 10), **save_options) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    output = io.BytesIO()
    image.save(output, format=image_format, **save_options)
    return output.getvalue()


def png_bytes(**save_options) -> bytes:
    return image_bytes("PNG", **save_options)


def jpeg_bytes(**save_options) -> bytes:
    return image_bytes("JPEG", **save_options)


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (59.0, 19.0, 48.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (18.0, 4.0, 6.0),
    }
    return exif


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


class HugeUpload(SimpleUploadedFile):
    """Declares a size over the limit without holding that many bytes; reading it is a bug."""

    def __init__(self) -> None:
        super().__init__("scan.pdf", b"%PDF-1.7\n", content_type="application/pdf")
        self.size = MAX_DOCUMENT_BYTES + 1

    def read(self, *args, **kwargs):
        raise AssertionError("An oversized upload must be refused before it is read.")


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def refusal_code(uploaded_file) -> str:
    with pytest.raises(ValidationError) as raised:
        validate_upload(uploaded_file)
    return raised.value.code


def opened(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content))


@pytest.fixture
def document_root(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    return settings.DOCUMENT_ROOT


@pytest.fixture
def stored_pdf(document_root) -> tuple[str, ValidatedDocument]:
    document = validate_upload(upload("scan.pdf", pdf_bytes()))
    return store(document), document


# --- What is accepted -------------------------------------------------------------------------


def test_pdf_is_accepted_and_kept_byte_for_byte():
    content = pdf_bytes()

    document = validate_upload(upload("scan.pdf", content))

    assert (document.content, document.content_type, document.extension) == (
        content,
        "application/pdf",
        ".pdf",
    )


def test_png_is_accepted_as_a_png():
    document = validate_upload(upload("photo.png", png_bytes()))

    assert (document.content_type, document.extension, opened(document.content).format) == (
        "image/png",
        ".png",
        "PNG",
    )


def test_jpeg_named_dot_jpeg_is_stored_with_dot_jpg():
    document = validate_upload(upload("photo.JPEG", jpeg_bytes()))

    assert (document.content_type, document.extension, opened(document.content).format) == (
        "image/jpeg",
        ".jpg",
        "JPEG",
    )


def test_phone_jpeg_carrying_a_second_picture_is_accepted_as_a_plain_jpeg():
    # Phones write Multi-Picture JPEGs, which Pillow reads as "MPO".
    second = Image.new("RGB", (10, 5))
    content = image_bytes("MPO", save_all=True, append_images=[second])
    assert opened(content).format == "MPO"

    document = validate_upload(upload("photo.jpg", content))

    assert (document.content_type, opened(document.content).format) == ("image/jpeg", "JPEG")


def test_sha256_and_size_describe_the_bytes_to_store():
    document = validate_upload(upload("photo.jpg", jpeg_bytes(exif=exif_with_gps())))

    assert (document.sha256, document.size) == (
        hashlib.sha256(document.content).hexdigest(),
        len(document.content),
    )


# --- Images lose their metadata ---------------------------------------------------------------


def test_test_jpeg_really_carries_a_gps_position():
    assert opened(jpeg_bytes(exif=exif_with_gps())).getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_gps_position_is_gone_from_a_re_encoded_jpeg():
    document = validate_upload(upload("photo.jpg", jpeg_bytes(exif=exif_with_gps())))

    assert opened(document.content).getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}


def test_no_exif_at_all_remains_in_a_re_encoded_jpeg():
    document = validate_upload(upload("photo.jpg", jpeg_bytes(exif=exif_with_gps())))

    assert (dict(opened(document.content).getexif()), b"Exif" in document.content) == ({}, False)


def test_exif_is_gone_from_a_re_encoded_png():
    document = validate_upload(upload("photo.png", png_bytes(exif=exif_with_gps())))

    assert dict(opened(document.content).getexif()) == {}


def test_text_chunks_are_gone_from_a_re_encoded_png():
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "Taken at Storgatan 1")

    document = validate_upload(upload("photo.png", png_bytes(pnginfo=text)))

    assert "Comment" not in opened(document.content).info


def test_comment_is_gone_from_a_re_encoded_jpeg():
    document = validate_upload(upload("photo.jpg", jpeg_bytes(comment=b"Taken at Storgatan 1")))

    assert b"Storgatan" not in document.content


def test_bytes_hidden_after_the_image_are_dropped():
    content = png_bytes() + b"<html><script>alert(1)</script></html>"

    document = validate_upload(upload("photo.png", content))

    assert b"<script>" not in document.content


def test_exif_orientation_is_applied_before_the_metadata_goes():
    exif = Image.Exif()
    # 6: the camera was turned a quarter; the picture is shown rotated 90° clockwise.
    exif[ExifTags.Base.Orientation] = 6

    document = validate_upload(upload("photo.jpg", jpeg_bytes(size=(20, 10), exif=exif)))

    assert opened(document.content).size == (10, 20)


def test_png_transparency_survives_re_encoding():
    image = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    output = io.BytesIO()
    image.save(output, format="PNG")

    document = validate_upload(upload("stamp.png", output.getvalue()))

    assert opened(document.content).getpixel((0, 0)) == (0, 0, 0, 0)


# --- What is refused --------------------------------------------------------------------------


def test_file_over_the_limit_is_refused_before_it_is_read():
    assert refusal_code(HugeUpload()) == "too_large"


def test_too_large_message_states_the_limit_in_megabytes():
    with pytest.raises(ValidationError) as raised:
        validate_upload(HugeUpload())

    # The message is lazy: it is rendered in the language active when it is read.
    with translation.override("en"):
        assert raised.value.messages == ["The file is too large. Upload a file of at most 20 MB."]


def test_file_longer_than_its_declared_size_is_refused(monkeypatch):
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 100)
    uploaded_file = upload("scan.pdf", pdf_bytes())
    uploaded_file.size = 10

    assert refusal_code(uploaded_file) == "too_large"


def test_empty_file_is_refused():
    assert refusal_code(upload("scan.pdf", b"")) == "empty"


def test_svg_is_refused():
    assert refusal_code(upload("drawing.svg", SVG, "image/svg+xml")) == "unsupported_type"


def test_svg_named_png_is_refused():
    assert refusal_code(upload("drawing.png", SVG, "image/png")) == "unsupported_type"


def test_html_is_refused():
    assert refusal_code(upload("page.html", HTML, "text/html")) == "unsupported_type"


def test_gif_is_refused():
    assert refusal_code(upload("animation.gif", image_bytes("GIF"))) == "unsupported_type"


def test_png_named_pdf_is_refused():
    assert refusal_code(upload("scan.pdf", png_bytes(), "application/pdf")) == "extension_mismatch"


def test_pdf_named_jpg_is_refused():
    assert refusal_code(upload("photo.jpg", pdf_bytes(), "image/jpeg")) == "extension_mismatch"


def test_pdf_without_an_extension_is_refused():
    assert refusal_code(upload("scan", pdf_bytes())) == "extension_mismatch"


def test_pdf_header_followed_by_html_is_refused():
    content = b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n"

    assert refusal_code(upload("scan.pdf", content)) == "invalid_pdf"


def test_valid_pdf_with_html_where_browsers_sniff_is_refused():
    content = pdf_bytes().replace(b"\n", b"\n%<html><script>alert(1)</script></html>\n", 1)

    assert refusal_code(upload("scan.pdf", content)) == "invalid_pdf"


def test_truncated_pdf_is_refused():
    assert refusal_code(upload("scan.pdf", pdf_bytes()[:200])) == "invalid_pdf"


def test_password_protected_pdf_is_refused():
    assert refusal_code(upload("scan.pdf", pdf_bytes(password="secret"))) == "encrypted_pdf"


def test_pdf_encrypted_without_an_opening_password_is_refused():
    assert refusal_code(upload("scan.pdf", pdf_bytes(password=""))) == "encrypted_pdf"


def test_pdf_encrypted_with_aes_256_is_refused_as_encrypted():
    assert refusal_code(upload("scan.pdf", aes_256_encrypted_pdf_bytes())) == "encrypted_pdf"


def test_damaged_png_is_refused():
    content = png_bytes()
    damaged = content[:40] + bytes(len(content) - 40)

    assert refusal_code(upload("photo.png", damaged)) == "invalid_image"


def test_truncated_jpeg_is_refused():
    content = jpeg_bytes(size=(200, 200))

    assert refusal_code(upload("photo.jpg", content[: len(content) // 2])) == "invalid_image"


def test_image_over_twice_the_pixel_limit_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    content = png_bytes(size=(20, 20))

    assert refusal_code(upload("photo.png", content)) == "image_too_large"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_over_the_pixel_limit_is_refused_even_where_the_warning_is_ignored(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    content = png_bytes(size=(12, 12))

    assert refusal_code(upload("photo.png", content)) == "image_too_large"


def test_image_over_the_pixel_limit_is_refused_where_the_warning_is_an_error(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    content = png_bytes(size=(12, 12))

    assert refusal_code(upload("photo.png", content)) == "image_too_large"


# --- The form field ---------------------------------------------------------------------------


class UploadForm(forms.Form):
    document = DocumentField()


class OptionalUploadForm(forms.Form):
    document = DocumentField(required=False)


def test_document_field_cleans_to_a_validated_document():
    form = UploadForm(files={"document": upload("scan.pdf", pdf_bytes())})

    assert form.is_valid()
    assert isinstance(form.cleaned_data["document"], ValidatedDocument)


def test_document_field_reports_a_refusal_as_a_form_error():
    form = UploadForm(files={"document": upload("scan.pdf", png_bytes())})

    assert form.has_error("document", code="extension_mismatch")


def test_document_field_refuses_an_empty_file():
    form = UploadForm(files={"document": upload("scan.pdf", b"")})

    assert form.has_error("document", code="empty")


def test_optional_document_field_left_empty_cleans_to_none():
    form = OptionalUploadForm(data={}, files={})

    assert form.is_valid()
    assert form.cleaned_data["document"] is None


def test_document_field_help_text_states_types_and_size():
    with translation.override("en"):
        assert str(UploadForm()["document"].help_text) == "PDF, PNG or JPEG, at most 20 MB."


def test_document_field_input_accepts_only_the_allowed_types():
    html = str(UploadForm()["document"])

    assert 'accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"' in html


# --- Storage ----------------------------------------------------------------------------------


def test_stored_file_holds_exactly_the_validated_bytes(stored_pdf):
    key, document = stored_pdf

    with open_stored(key) as file:
        assert hashlib.sha256(file.read()).hexdigest() == document.sha256


def test_storage_key_is_a_random_name_under_two_levels_of_fan_out(stored_pdf):
    key, _document = stored_pdf

    assert re.fullmatch(r"([0-9a-f]{2})/([0-9a-f]{2})/\1\2[0-9a-f]{28}\.pdf", key)


def test_two_stores_of_the_same_document_get_different_keys(document_root):
    document = validate_upload(upload("scan.pdf", pdf_bytes()))

    assert store(document) != store(document)


def test_stored_file_is_readable_by_the_owner_only_whatever_the_umask(document_root):
    document = validate_upload(upload("scan.pdf", pdf_bytes()))
    previous = os.umask(0)
    try:
        key = store(document)
    finally:
        os.umask(previous)

    assert stat.S_IMODE(os.stat(document_root / key).st_mode) == 0o600


def test_storage_directories_are_private_whatever_the_umask(document_root):
    document = validate_upload(upload("scan.pdf", pdf_bytes()))
    previous = os.umask(0)
    try:
        key = store(document)
    finally:
        os.umask(previous)
    first, second, _name = key.split("/")
    directories = [document_root, document_root / first, document_root / first / second]

    assert [stat.S_IMODE(os.stat(path).st_mode) for path in directories] == [0o700] * 3


TRAVERSAL_KEYS = [
    "../../etc/passwd",
    "/etc/passwd",
    "ab/cd/../../../etc/passwd",
    "ab/cd/abcd0000000000000000000000000000.html",
    "ab/cd/ABCD0000000000000000000000000000.pdf",
    "ab/ef/abcd0000000000000000000000000000.pdf",
    "ab/cd/abcd0000000000000000000000000000.pdf\n",
    "abcd0000000000000000000000000000.pdf",
    "",
]


@pytest.mark.parametrize("key", TRAVERSAL_KEYS)
def test_open_refuses_a_key_store_could_not_have_made(document_root, key):
    with pytest.raises(InvalidDocumentKey):
        open_stored(key)


@pytest.mark.parametrize("key", TRAVERSAL_KEYS)
def test_delete_refuses_a_key_store_could_not_have_made(document_root, key):
    with pytest.raises(InvalidDocumentKey):
        delete_stored(key)


def test_symbolic_link_out_of_the_document_root_is_not_followed(document_root, tmp_path):
    outside = tmp_path / "outside" / "cd"
    outside.mkdir(parents=True)
    (outside / "abcd0000000000000000000000000000.pdf").write_bytes(pdf_bytes())
    document_root.mkdir()
    (document_root / "ab").symlink_to(tmp_path / "outside")

    with pytest.raises(InvalidDocumentKey):
        open_stored("ab/cd/abcd0000000000000000000000000000.pdf")


def test_opening_a_missing_document_raises_file_not_found(document_root):
    with pytest.raises(FileNotFoundError):
        open_stored("ab/cd/abcd0000000000000000000000000000.pdf")


def test_delete_removes_the_stored_file(stored_pdf, document_root):
    key, _document = stored_pdf

    delete_stored(key)

    assert not (document_root / key).exists()


def test_deleting_a_missing_document_is_harmless(document_root):
    assert delete_stored("ab/cd/abcd0000000000000000000000000000.pdf") is False


def test_document_root_inside_the_static_root_is_refused(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.DOCUMENT_ROOT = tmp_path / "static" / "documents"
    document = validate_upload(upload("scan.pdf", pdf_bytes()))

    with pytest.raises(ImproperlyConfigured):
        store(document)


def test_static_root_inside_the_document_root_is_refused(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    settings.STATIC_ROOT = tmp_path / "documents" / "static"
    document = validate_upload(upload("scan.pdf", pdf_bytes()))

    with pytest.raises(ImproperlyConfigured):
        store(document)


# --- Downloads --------------------------------------------------------------------------------


@pytest.fixture
def response(stored_pdf, db):
    # Closing a response sends request_finished, which checks the database connections.
    key, _document = stored_pdf
    response = document_response(key, content_type="application/pdf", download_name="beslut.pdf")
    yield response
    response.close()


def test_document_is_always_served_as_an_attachment(response):
    assert response["Content-Disposition"] == 'attachment; filename="beslut.pdf"'


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", "sandbox"),
        ("Cache-Control", "no-store"),
        ("Content-Type", "application/pdf"),
    ],
)
def test_document_response_carries_header(response, header, value):
    assert response[header] == value


def test_document_response_body_is_the_stored_bytes(stored_pdf, response):
    _key, document = stored_pdf

    assert b"".join(response.streaming_content) == document.content


@pytest.mark.parametrize(
    ("download_name", "expected"),
    [
        (
            "Överklagande beslut 2024/05.pdf",
            'filename="Overklagande_beslut_2024_05.pdf"; '
            "filename*=utf-8''%C3%96verklagande_beslut_2024_05.pdf",
        ),
        (
            "ÅMP-2026-0012-passport-7",
            'filename="AMP-2026-0012-passport-7.pdf"; '
            "filename*=utf-8''%C3%85MP-2026-0012-passport-7.pdf",
        ),
        ("../../etc/passwd", 'filename="etc_passwd.pdf"'),
        ('"; filename="evil.html', 'filename="filename_evil.html.pdf"'),
        ("ЖЖЖ", "filename=\"document.pdf\"; filename*=utf-8''%D0%96%D0%96%D0%96.pdf"),
        ("\u202egnp.pdf", 'filename="gnp.pdf"'),
        ("", 'filename="document.pdf"'),
    ],
)
def test_download_name_is_a_plain_name_ending_in_the_stored_type_with_an_ascii_fallback(
    stored_pdf, download_name, expected
):
    key, _document = stored_pdf

    response = document_response(key, content_type="application/pdf", download_name=download_name)
    response.close()

    assert response["Content-Disposition"] == f"attachment; {expected}"


def test_document_response_refuses_to_serve_html(stored_pdf):
    key, _document = stored_pdf

    with pytest.raises(ValueError):
        document_response(key, content_type="text/html", download_name="page.html")


def test_document_response_refuses_a_content_type_other_than_the_stored_one(stored_pdf):
    key, _document = stored_pdf

    with pytest.raises(ValueError):
        document_response(key, content_type="image/png", download_name="scan.png")


def test_truncated_jpeg_is_refused_after_weasyprint_was_imported():
    import weasyprint  # noqa: F401  (sets Pillow's LOAD_TRUNCATED_IMAGES = True)

    content = jpeg_bytes(size=(200, 200))
    assert refusal_code(upload("photo.jpg", content[: len(content) // 2])) == "invalid_image"
