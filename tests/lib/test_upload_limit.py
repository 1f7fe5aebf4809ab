"""An upload larger than a document may be is refused before its body is read (issue 11,
item 20): 413, in the user's language, nothing stored."""

import pytest
from django.conf import settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from ampcase.lib.documents import MAX_DOCUMENT_BYTES
from referrals.models import CaseState, Document
from tests.factories import make_case, sample_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path
    return make_case(CaseState.PREPARING)


def _upload_body() -> bytes:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("scan.pdf", sample_pdf().content, "application/pdf")
    return encode_multipart(BOUNDARY, {"kind": "other", "file": pdf})


def test_limit_leaves_room_for_a_whole_document_and_the_form():
    assert settings.MAX_UPLOAD_REQUEST_BYTES > MAX_DOCUMENT_BYTES


@pytest.mark.parametrize(("language", "title"), [("en", "The file is too large"), ("sv", None)])
def test_upload_declaring_a_huge_body_is_refused_unread(
    coordinator_client, case, tmp_path, language, title
):
    url = reverse("referrals:document-upload", args=[case.uuid])
    response = coordinator_client.generic(
        "POST",
        url,
        _upload_body(),
        content_type=MULTIPART_CONTENT,
        # Declared, not sent: had the body been read, the test payload would have run out.
        CONTENT_LENGTH=str(2 * 1024**3),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    if title:
        assert f"<h1>{title}</h1>" in page
        assert "at most 20 MB" in page
    assert not Document.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_upload_just_over_the_limit_is_refused(coordinator_client, case):
    url = reverse("referrals:document-upload", args=[case.uuid])
    response = coordinator_client.generic(
        "POST",
        url,
        _upload_body(),
        content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(settings.MAX_UPLOAD_REQUEST_BYTES + 1),
    )
    assert response.status_code == 413


def test_an_ordinary_upload_still_works(coordinator_client, case):
    url = reverse("referrals:document-upload", args=[case.uuid])
    response = coordinator_client.generic(
        "POST", url, _upload_body(), content_type=MULTIPART_CONTENT
    )
    assert response.status_code == 302
    assert Document.objects.filter(case=case).count() == 1


def test_the_refusal_carries_the_security_headers_of_every_page(coordinator_client, case):
    url = reverse("referrals:document-upload", args=[case.uuid])
    response = coordinator_client.generic(
        "POST",
        url,
        _upload_body(),
        content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(settings.MAX_UPLOAD_REQUEST_BYTES + 1),
    )
    assert response.status_code == 413
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response
