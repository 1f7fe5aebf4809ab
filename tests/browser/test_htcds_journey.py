"""IOM Finland's caseworker downloads the HTCDS 2.0 file from the home page (issue 12); when
a record does not fit the schema, the page says which case and field instead."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ampcase.statistics import htcds
from referrals.models import CaseState, ConsentPurpose
from tests.browser.conftest import check_accessibility, journey_user
from tests.browser.test_case_journey import english, sign_in  # noqa: F401 (a fixture)
from tests.factories import add_consent, make_case, make_ready_to_submit

pytestmark = pytest.mark.django_db(transaction=True)


def test_iom_finland_downloads_the_htcds_file(english, monkeypatch):  # noqa: F811
    page = english
    case = make_ready_to_submit(make_case(CaseState.SUBMITTED, given_name="Zinaida"))
    add_consent(case, ConsentPurpose.STATISTICS)
    sign_in(page, journey_user("aino"))
    check_accessibility(page)
    link = page.get_by_role("link", name="Download the HTCDS 2.0 file (JSON)")

    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("amp-htcds-2.0-")
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert len(document["records"]) == 1
    assert "Zinaida" not in json.dumps(document)

    # A record that does not fit: no file, a page naming the case and the field.
    original = htcds.record
    monkeypatch.setattr(htcds, "record", lambda c: {**original(c), "cas_Status": "Sleeping"})
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The HTCDS export could not be made")
    expect(page.get_by_role("alert")).to_contain_text(
        f"Case {case.reference}: HTCDS field cas_Status"
    )
    check_accessibility(page)
