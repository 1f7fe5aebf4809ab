"""Case pages: what they show, what they refuse, and how many queries they cost."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from ampcase.audit.models import AuditEvent
from referrals import services
from referrals.models import Case, CaseState, Person
from tests.conftest import sign_in
from tests.factories import make_case, make_document, make_ready_to_submit, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(stockholm_coordinator):
    return sign_in(Client(), stockholm_coordinator)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _bulk_cases(count: int, referrer) -> None:
    """`count` Stockholm cases with a returnee and the region's grants, in a few statements."""
    from django.contrib.auth.models import Permission

    from ampcase.accounts.scopes import region_group
    from referrals.models import CaseGroupObjectPermission

    numbers = [Case.allocate_reference() for _ in range(count)]
    cases = Case.objects.bulk_create(
        Case(
            reference=ref,
            pseudonym="P",
            region=region("stockholm"),
            referred_by=referrer,
            referring_organisation=referrer.organisation,
        )
        for ref in numbers
    )
    Person.objects.bulk_create(
        Person(
            case=case,
            relation="returnee",
            given_name="Åsa",
            family_name="Öberg",
            date_of_birth=dt.date(1990, 1, 1),
        )
        for case in cases
    )
    group = region_group(region("stockholm"))
    perms = Permission.objects.filter(
        content_type__app_label="referrals", codename__in=["view_case", "view_identity"]
    )
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(content_object=case, group=group, permission=perm)
        for case in cases
        for perm in perms
    )


def test_case_list_costs_the_same_for_10_or_1000_cases(coordinator_client, referrer):
    _bulk_cases(10, referrer)
    # The first request of a process also looks up the permission ids once; measure after it.
    coordinator_client.get(reverse("referrals:cases"))
    few = _queries(coordinator_client, reverse("referrals:cases"))
    _bulk_cases(990, referrer)
    many = _queries(coordinator_client, reverse("referrals:cases"))
    assert few == many
    page = coordinator_client.get(reverse("referrals:cases"))
    assert page.context["page"].paginator.count == 1000


def test_case_page_costs_the_same_with_1_or_20_documents(coordinator_client):
    case = make_case(CaseState.PREPARING)
    make_document(case)
    url = reverse("referrals:case", args=[case.uuid])
    one = _queries(coordinator_client, url)
    for _ in range(19):
        make_document(case)
    Person.objects.create(case=case, relation="child", given_name="Ebba", family_name="Öberg")
    twenty = _queries(coordinator_client, url)
    assert one == twenty


def test_case_list_shows_names_only_to_those_who_may_see_them(
    coordinator_client, iom_caseworker, stockholm_coordinator
):
    case = services.share_for_consultation(make_case(), by=stockholm_coordinator)
    assert "Åsa Öberg" in coordinator_client.get(reverse("referrals:cases")).content.decode()
    iom_page = sign_in(Client(), iom_caseworker).get(reverse("referrals:cases")).content.decode()
    assert case.pseudonym in iom_page
    assert "Åsa" not in iom_page


def test_case_page_for_iom_before_consent_shows_no_identity(stockholm_coordinator, iom_caseworker):
    case = services.share_for_consultation(make_case(), by=stockholm_coordinator)
    page = sign_in(Client(), iom_caseworker).get(reverse("referrals:case", args=[case.uuid]))
    body = page.content.decode()
    assert case.reference in body
    assert "Åsa" not in body and "1995" not in body


def test_case_list_filters_by_state_and_search(coordinator_client):
    wanted = make_case(CaseState.SCREENING)
    make_case(CaseState.REFERRED)
    page = coordinator_client.get(reverse("referrals:cases"), {"state": "screening"})
    assert [c.pk for c in page.context["page"]] == [wanted.pk]
    page = coordinator_client.get(reverse("referrals:cases"), {"q": wanted.reference})
    assert [c.pk for c in page.context["page"]] == [wanted.pk]


# 23 November 2026: whoever was born on 23 November 2008 turned 18 today.
EIGHTEENTH_BIRTHDAY = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)


def _listed_by_age_group(coordinator, age_group: str) -> list[str]:
    """The given names on the case list filtered by `age_group`, on the eighteenth birthday
    of Vera (born 23 November 2008) and the day before Mira's (born 24 November 2008)."""
    with time_machine.travel(EIGHTEENTH_BIRTHDAY, tick=False):
        make_case(given_name="Vera", date_of_birth=dt.date(2008, 11, 23))
        make_case(given_name="Mira", date_of_birth=dt.date(2008, 11, 24))
        client = sign_in(Client(), coordinator)
        page = client.get(reverse("referrals:cases"), {"age_group": age_group})
    return [case.given_name for case in page.context["page"]]


def test_case_list_of_minors_leaves_out_who_turned_18_today(stockholm_coordinator):
    assert _listed_by_age_group(stockholm_coordinator, "minor") == ["Mira"]


def test_case_list_of_adults_leaves_out_who_turns_18_tomorrow(stockholm_coordinator):
    assert _listed_by_age_group(stockholm_coordinator, "adult") == ["Vera"]


def test_case_of_another_region_is_a_404_like_a_missing_case(syd_coordinator):
    case = make_case()
    client = sign_in(Client(), syd_coordinator)
    foreign = client.get(reverse("referrals:case", args=[case.uuid]))
    missing = client.get(reverse("referrals:case", args=["00000000-0000-4000-8000-000000000000"]))
    assert foreign.status_code == missing.status_code == 404
    import re

    def strip(html: bytes) -> str:
        return re.sub(r'value="[^"]{20,}"', "", html.decode())

    assert strip(foreign.content) == strip(missing.content)
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(case.pk)).exists()


def test_viewing_a_case_is_audited(coordinator_client, stockholm_coordinator):
    case = make_case()
    coordinator_client.get(reverse("referrals:case", args=[case.uuid]))
    event = AuditEvent.objects.get(action="case.viewed")
    assert (event.actor, event.object_id) == (stockholm_coordinator, str(case.pk))


def test_referrer_logs_a_referral_and_sees_only_its_status(referrer):
    client = sign_in(Client(), referrer)
    response = client.post(
        reverse("referrals:referral-new"),
        {
            "region": region("stockholm").pk,
            "given_name": "Åsa",
            "family_name": "Öberg",
            "date_of_birth": "1995-04-01",
            "nationality": "RO",
            "consent_on": "2026-11-20",
            "consent_method": "written",
            "consent_confirmed": "on",
        },
    )
    assert response["Location"] == reverse("referrals:my-referrals")
    case = Case.objects.get()
    page = client.get(reverse("referrals:my-referrals")).content.decode()
    assert case.reference in page and "Åsa" not in page
    assert client.get(reverse("referrals:case", args=[case.uuid])).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [("date_of_birth", "2999-01-01"), ("nationality", "XX"), ("consent_on", "not a date")],
)
def test_bad_referral_input_gets_an_error_and_saves_nothing(referrer, field, value):
    client = sign_in(Client(), referrer)
    data = {
        "region": region("stockholm").pk,
        "given_name": "Åsa",
        "family_name": "Öberg",
        "consent_on": "2026-11-20",
        "consent_method": "written",
        "consent_confirmed": "on",
        field: value,
    }
    response = client.post(reverse("referrals:referral-new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'class="error-summary"' in response.content.decode()
    assert not Case.objects.exists()


def test_referral_without_consent_is_refused(referrer):
    client = sign_in(Client(), referrer)
    response = client.post(
        reverse("referrals:referral-new"),
        {
            "region": region("stockholm").pk,
            "given_name": "A",
            "family_name": "B",
            "consent_on": "2026-11-20",
            "consent_method": "written",
        },
    )
    assert response.context["form"].errors["consent_confirmed"]
    assert not Case.objects.exists()


def test_fields_the_form_does_not_offer_cannot_be_posted(coordinator_client, syd_coordinator):
    case = make_case(CaseState.PREPARING)
    coordinator_client.post(
        reverse("referrals:application", args=[case.uuid]),
        {
            "destination_country": "NG",
            "destination_kind": "origin",
            "in_returnees_language": "on",
            "region": region("syd").pk,
            "state": "approved",
            "social_worker": syd_coordinator.pk,
            "submitted_by": syd_coordinator.pk,
        },
    )
    case.refresh_from_db()
    assert case.region.code == "stockholm"
    assert case.state == CaseState.PREPARING
    assert case.social_worker is None and case.submitted_by is None
    assert case.destination_country == "NG"


def test_transition_the_state_does_not_allow_changes_nothing(coordinator_client):
    case = make_case(CaseState.PREPARING)
    response = coordinator_client.post(
        reverse("referrals:start-screening", args=[case.uuid]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    case.refresh_from_db()
    assert case.state == CaseState.PREPARING
    assert [str(message) for message in response.context["messages"]] == [
        "The case is now “Preparing application”, so this cannot be done. Reload the page to "
        "see what changed."
    ]


MISSING_FOR_SUBMISSION = [
    "The eligibility screening has not been passed.",
    "There is no consent to share the case with IOM Finland.",
    "The application has not been filled in.",
    "The signed application has not been uploaded.",
    "The risk table has not been completed.",
]


def test_refused_submission_lists_what_is_missing(coordinator_client):
    case = make_case(CaseState.PREPARING)
    url = reverse("referrals:submit", args=[case.uuid])
    page = coordinator_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert [str(problem) for problem in page.context["problems"]] == MISSING_FOR_SUBMISSION
    response = coordinator_client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    case.refresh_from_db()
    assert case.state == CaseState.PREPARING
    assert [str(message) for message in response.context["messages"]] == [
        "The case cannot be submitted yet.",
        *MISSING_FOR_SUBMISSION,
    ]


def test_coordinator_submits_a_complete_case(coordinator_client):
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    coordinator_client.post(reverse("referrals:submit", args=[case.uuid]))
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED


def test_withdrawal_in_the_future_is_refused(coordinator_client):
    case = make_case(CaseState.PREPARING)
    response = coordinator_client.post(
        reverse("referrals:withdraw", args=[case.uuid]), {"on": "2999-01-01", "reason": "x"}
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == CaseState.PREPARING


def test_upload_of_a_wrong_file_type_saves_nothing(coordinator_client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DOCUMENT_ROOT = tmp_path
    case = make_case(CaseState.PREPARING)
    html = SimpleUploadedFile("a.pdf", b"<html><script>alert(1)</script></html>")
    response = coordinator_client.post(
        reverse("referrals:document-upload", args=[case.uuid]), {"kind": "other", "file": html}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not case.documents.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_uploaded_document_downloads_as_an_attachment_and_is_audited(
    coordinator_client, settings, tmp_path
):
    from tests.factories import sample_pdf

    settings.DOCUMENT_ROOT = tmp_path
    case = make_case(CaseState.PREPARING)
    document = sample_pdf()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("Åsa passport.pdf", document.content, "application/pdf")
    coordinator_client.post(
        reverse("referrals:document-upload", args=[case.uuid]),
        {"kind": "signed_application", "file": upload},
    )
    stored = case.documents.get()
    response = coordinator_client.get(reverse("referrals:document", args=[case.uuid, stored.uuid]))
    assert response["Content-Disposition"].startswith("attachment")
    assert "Åsa" not in response["Content-Disposition"]
    # Named after the reference, Å and all (RFC 6266), with an ASCII fallback.
    reference = case.reference.removeprefix("ÅMP")
    assert (
        f"filename*=utf-8''%C3%85MP{reference}-signed_application-"
        in (response["Content-Disposition"])
    )
    assert f'filename="AMP{reference}-signed_application-' in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content) == document.content
    assert AuditEvent.objects.filter(action="document.downloaded").exists()


@pytest.mark.parametrize(("language", "phrase"), [("sv", "frivilligt"), ("en", "free will")])
def test_application_pdf_holds_the_name_and_the_declaration(coordinator_client, language, phrase):
    case = make_ready_to_submit(
        make_case(CaseState.PREPARING, given_name="Åsa-Märta", family_name="Öhlund")
    )
    response = coordinator_client.get(
        reverse("referrals:application-pdf", args=[case.uuid]), {"lang": language}
    )
    assert response["Content-Type"] == "application/pdf"
    import io

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Åsa-Märta Öhlund" in text
    assert phrase in text
    assert case.reference in text


def test_iom_without_consent_cannot_download_the_application(stockholm_coordinator, iom_caseworker):
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    services.record_consent(
        case,
        by=stockholm_coordinator,
        purpose="iom_finland",
        given=False,
        decided_on=dt.date(2026, 11, 20),
        method="written",
    )
    services.share_for_consultation(case, by=stockholm_coordinator)
    client = sign_in(Client(), iom_caseworker)
    assert client.get(reverse("referrals:application-pdf", args=[case.uuid])).status_code == 403


def test_iom_sees_the_name_on_a_submitted_case_once_consent_is_recorded(
    stockholm_coordinator, iom_caseworker
):
    case = make_case(CaseState.SUBMITTED)
    client = sign_in(Client(), iom_caseworker)
    assert "Åsa" not in client.get(reverse("referrals:case", args=[case.uuid])).content.decode()
    services.record_consent(
        case,
        by=stockholm_coordinator,
        purpose="iom_finland",
        given=True,
        decided_on=dt.date(2026, 11, 20),
        method="written",
    )
    assert "Åsa" in client.get(reverse("referrals:case", args=[case.uuid])).content.decode()


def test_coordinator_adds_an_accompanying_child(coordinator_client):
    case = make_case(CaseState.PREPARING)
    response = coordinator_client.post(
        reverse("referrals:child-new", args=[case.uuid]),
        {"given_name": "Ebba", "family_name": "Öberg", "date_of_birth": "2020-02-02"},
    )
    assert response.status_code == 302
    child = case.people.get(relation="child")
    assert child.is_minor
    assert AuditEvent.objects.filter(action="person.created", object_id=str(case.pk)).exists()


def test_child_born_in_the_future_is_refused(coordinator_client):
    case = make_case(CaseState.PREPARING)
    response = coordinator_client.post(
        reverse("referrals:child-new", args=[case.uuid]),
        {"given_name": "Ebba", "family_name": "Öberg", "date_of_birth": "2999-02-02"},
    )
    assert response.status_code == 200
    assert not case.people.filter(relation="child").exists()


def test_person_of_another_case_is_not_found(coordinator_client):
    case, other = make_case(), make_case()
    person = other.people.get()
    url = reverse("referrals:person", args=[case.uuid, person.uuid])
    assert coordinator_client.get(url).status_code == 404


def test_trafficking_screening_needs_a_form_of_exploitation(coordinator_client):
    case = make_case(CaseState.SCREENING)
    url = reverse("referrals:eligibility", args=[case.uuid])
    data = {
        "basis": "trafficking_identified",
        "wants_voluntary_return": "on",
        "destination": "origin",
    }
    response = coordinator_client.post(url, data)
    assert response.context["form"].errors["exploitation"]
    case.refresh_from_db()
    assert case.state == CaseState.SCREENING
    coordinator_client.post(url, {**data, "exploitation": ["sexual", "begging"]})
    case.refresh_from_db()
    assert case.state == CaseState.PREPARING
    assert case.eligibility.exploitation == ["begging", "sexual"]


def _tasks(client, case) -> list[tuple[str, list[str]]]:
    page = client.get(reverse("referrals:case", args=[case.uuid]), HTTP_ACCEPT_LANGUAGE="en")
    return [(str(label), [str(m) for m in missing]) for label, missing, *_ in page.context["tasks"]]


TASKS = [
    "Eligibility screening",
    "Consent to share with IOM Finland",
    "Application filled in and signed, with interpreter",
    "Signed application uploaded",
    "Risk table completed, and both assessments for every child",
]


def test_case_page_lists_what_submission_still_needs(coordinator_client):
    case = make_case(CaseState.PREPARING)
    assert _tasks(coordinator_client, case) == [
        (task, [missing]) for task, missing in zip(TASKS, MISSING_FOR_SUBMISSION, strict=True)
    ]


def test_case_page_shows_every_task_done_for_a_complete_case(coordinator_client):
    ready = make_ready_to_submit(make_case(CaseState.PREPARING))
    assert _tasks(coordinator_client, ready) == [(task, []) for task in TASKS]


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [
        (dt.date(2028, 2, 29), dt.date(2010, 2, 28)),
        (dt.date(2026, 11, 23), dt.date(2008, 11, 23)),
    ],
)
def test_adult_cutoff_handles_leap_days(today, cutoff):
    from referrals.models import adult_if_born_on_or_before

    assert adult_if_born_on_or_before(today) == cutoff


def test_age_group_filter_works_on_a_leap_day(stockholm_coordinator):
    with time_machine.travel(dt.datetime(2028, 2, 29, 12, tzinfo=dt.UTC)):
        # Born on 28 February 2010: 18 today, as there is no 29 February 2010.
        make_case(given_name="Vera", date_of_birth=dt.date(2010, 2, 28))
        make_case(given_name="Mira", date_of_birth=dt.date(2010, 3, 1))
        client = sign_in(Client(), stockholm_coordinator)
        page = client.get(reverse("referrals:cases"), {"age_group": "minor"})
    assert page.status_code == 200
    assert [case.given_name for case in page.context["page"]] == ["Mira"]


def test_opening_a_form_with_personal_data_is_audited(coordinator_client, stockholm_coordinator):
    case = make_case(CaseState.PREPARING)
    person = case.people.get()
    coordinator_client.get(reverse("referrals:person", args=[case.uuid, person.uuid]))
    event = AuditEvent.objects.get(action="case.form_viewed")
    assert (event.actor, event.object_id, event.summary) == (
        stockholm_coordinator,
        str(case.pk),
        "referrals:person",
    )


# Recording consent (issue 11, item 13): an explicit decision, several purposes at once.


def _consent_data(**changes):
    data = {
        "purposes": ["iom_finland", "iom_destination"],
        "given": "given",
        "decided_on": "2026-11-20",
        "method": "written",
        "interpreter": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_consent_form_starts_with_no_decision_chosen(coordinator_client):
    case = make_case(CaseState.SCREENING)
    page = coordinator_client.get(
        reverse("referrals:consent", args=[case.uuid]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    decision = re.findall(r'<input type="radio" name="given"[^>]*>', page)
    assert len(decision) == 2
    assert not any("checked" in radio for radio in decision)
    assert "Untick" not in page


def test_consent_without_a_decision_records_nothing_and_says_why(coordinator_client):
    case = make_case(CaseState.SCREENING)
    before = case.consents.count()
    response = coordinator_client.post(
        reverse("referrals:consent", args=[case.uuid]),
        _consent_data(given=None),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Choose whether consent was given or withdrawn." in response.content.decode()
    assert case.consents.count() == before


def test_consent_without_a_purpose_records_nothing(coordinator_client):
    case = make_case(CaseState.SCREENING)
    before = case.consents.count()
    response = coordinator_client.post(
        reverse("referrals:consent", args=[case.uuid]),
        _consent_data(purposes=None),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Tick at least one purpose." in response.content.decode()
    assert case.consents.count() == before


@pytest.mark.parametrize(("choice", "given"), [("given", True), ("withdrawn", False)])
def test_one_decision_is_recorded_for_each_purpose_ticked(coordinator_client, choice, given):
    case = make_case(CaseState.SCREENING)
    before = case.consents.count()
    response = coordinator_client.post(
        reverse("referrals:consent", args=[case.uuid]), _consent_data(given=choice)
    )
    assert response.status_code == 302
    entries = case.consents.order_by("id")[before:]
    assert [(e.purpose, e.given, e.decided_on) for e in entries] == [
        ("iom_finland", given, dt.date(2026, 11, 20)),
        ("iom_destination", given, dt.date(2026, 11, 20)),
    ]


def test_a_phone_number_is_saved_in_e164(coordinator_client):
    case = make_case(CaseState.PREPARING)
    response = coordinator_client.post(
        reverse("referrals:child-new", args=[case.uuid]),
        {"given_name": "Ebba", "family_name": "Öberg", "phone": "070-123 45 67"},
    )
    assert response.status_code == 302
    assert case.people.get(relation="child").phone == "+46701234567"
    page = coordinator_client.get(reverse("referrals:case", args=[case.uuid])).content.decode()
    assert '<a href="tel:+46701234567">+46 70 123 45 67</a>' in page


def test_anything_but_a_phone_number_is_refused(coordinator_client):
    case = make_case(CaseState.PREPARING)
    response = coordinator_client.post(
        reverse("referrals:child-new", args=[case.uuid]),
        {"given_name": "Ebba", "family_name": "Öberg", "phone": "call my aunt!!! <script>"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Phone: Enter a phone number, such as 070-123 45 67" in response.content.decode()
    assert not case.people.filter(relation="child").exists()


def test_case_page_costs_the_same_with_1_or_60_timeline_entries(
    coordinator_client, iom_caseworker, referrer, stockholm_coordinator
):
    from referrals.models import CaseEvent

    case = make_case(CaseState.PREPARING)
    url = reverse("referrals:case", args=[case.uuid])
    coordinator_client.get(url)
    one = _queries(coordinator_client, url)
    at = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    for hour in range(20):
        for actor in (stockholm_coordinator, iom_caseworker, referrer):
            CaseEvent.objects.create(
                case=case,
                action="case.transferred",
                actor=actor,
                params={"from": "stockholm", "to": "skane"},
                at=at + dt.timedelta(hours=hour),
            )
    assert _queries(coordinator_client, url) == one
