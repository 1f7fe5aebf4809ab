"""The case page and the steps around it as the people working on a case read them (issue 11):
what the consultation promises, the referrer's note, IOM's request for changes, the next step,
transfers and reopening, the timeline."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ampcase.audit.models import AuditEvent
from referrals import permissions, services
from referrals.grants import sync_case_permissions
from referrals.models import Application, Case, CaseEvent, CaseState, ConsentPurpose, Person
from tests.conftest import sign_in
from tests.factories import (
    add_consent,
    make_case,
    make_ready_to_submit,
    make_risk_table,
    region,
)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


def _page(user, name: str, case) -> str:
    response = _client(user).get(reverse(name, args=[case.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def _case_with_a_child(state=CaseState.SCREENING):
    case = make_case(state)
    Person.objects.create(
        case=case,
        relation=Person.Relation.CHILD,
        given_name="Ebba",
        family_name="Öberg",
        date_of_birth=dt.date(2019, 6, 3),
    )
    return case


# Item 1: what the consultation page promises is what IOM Finland's case page shows.


def test_consultation_without_consent_promises_the_pseudonym_and_iom_sees_only_it(
    stockholm_coordinator, iom_caseworker
):
    case = _case_with_a_child()
    promise = _page(stockholm_coordinator, "referrals:consultation", case)
    assert "under its pseudonym: no name, date of birth" in promise

    _client(stockholm_coordinator).post(reverse("referrals:consultation", args=[case.uuid]))

    iom_page = _page(iom_caseworker, "referrals:case", case)
    assert case.pseudonym in iom_page
    assert "Åsa" not in iom_page and "Ebba" not in iom_page
    assert "1995-04-01" not in iom_page and "2019-06-03" not in iom_page


def test_consultation_with_consent_says_iom_will_see_names_and_birth_dates_and_it_does(
    stockholm_coordinator, iom_caseworker
):
    case = _case_with_a_child()
    add_consent(case, ConsentPurpose.IOM_FINLAND)
    promise = _page(stockholm_coordinator, "referrals:consultation", case)
    assert "not anonymous" in promise
    assert "names, dates of birth" in promise
    assert "no name, date of birth" not in promise

    _client(stockholm_coordinator).post(reverse("referrals:consultation", args=[case.uuid]))

    iom_page = _page(iom_caseworker, "referrals:case", case)
    assert "Åsa Öberg" in iom_page and "Ebba Öberg" in iom_page
    assert "1995-04-01" in iom_page and "2019-06-03" in iom_page


# Item 2: the referrer's note.


def test_coordinator_reads_the_referrers_note_with_who_referred_and_when(
    stockholm_coordinator, referrer
):
    case = make_case(referred_by=referrer, referral_note="Talar bara rumänska. Ring före tio.")
    page = _page(stockholm_coordinator, "referrals:case", case)
    assert "The referrer's note" in page
    assert "Talar bara rumänska. Ring före tio." in page
    assert referrer.display_name in page
    assert referrer.organisation.name in page
    assert timezone.localtime(case.created_at).strftime("%Y-%m-%d") in page


def test_iom_never_reads_the_referrers_note(stockholm_coordinator, iom_caseworker):
    case = make_case(referral_note="Talar bara rumänska.")
    add_consent(case, ConsentPurpose.IOM_FINLAND)
    services.share_for_consultation(case, by=stockholm_coordinator)
    assert "Talar bara rumänska." not in _page(iom_caseworker, "referrals:case", case)


# Item 24: the submit page.


def test_submit_page_lists_the_needs_without_a_trailing_semicolon(stockholm_coordinator):
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    Application.objects.filter(case=case).update(needs_travel_document=True, needs_escort=True)
    page = _page(stockholm_coordinator, "referrals:submit", case)
    assert "travel document, escort</dd>" in page
    assert ";" not in page.split("Needs</dt>")[1].split("</dd>")[0]


def test_high_risk_banner_links_to_the_risk_table(stockholm_coordinator):
    case = make_case(CaseState.PREPARING)
    make_risk_table(case, completed=True, rows=((4, 4),))
    page = _page(stockholm_coordinator, "referrals:submit", case)
    risk_url = reverse("risk:table", args=[case.uuid])
    assert f'<a href="{risk_url}">Read it before deciding or booking anything.</a>' in page


# Item 9: IOM's request for changes at the top until resubmission; marked in IOM's queue.


def _returned(iom_caseworker):
    case = make_ready_to_submit(make_case(CaseState.SUBMITTED))
    services.request_changes(case, by=iom_caseworker, message="Bifoga passkopian, tack.")
    return case


def _top(page: str) -> str:
    """The page above the summary of the case."""
    return page.split('<dl class="summary">')[0]


def test_case_sent_back_shows_iom_request_at_the_top(stockholm_coordinator, iom_caseworker):
    case = _returned(iom_caseworker)
    top = _top(_page(stockholm_coordinator, "referrals:case", case))
    assert "IOM Finland asked for changes" in top
    assert "Bifoga passkopian, tack." in top
    assert iom_caseworker.display_name in top
    assert timezone.localtime(case.decisions.get().decided_at).strftime("%Y-%m-%d") in top


def test_request_for_changes_leaves_the_top_once_resubmitted(stockholm_coordinator, iom_caseworker):
    case = _returned(iom_caseworker)
    services.submit_case(case, by=stockholm_coordinator)
    top = _top(_page(stockholm_coordinator, "referrals:case", case))
    assert "IOM Finland asked for changes" not in top


def _review_notes(user) -> dict:
    from referrals.registry import queues_for

    found = next(q for q in queues_for(user) if q.key == "review")
    return {case.pk: str(note) for case, note in ((c, found.notes.get(c.pk)) for c in found.cases)}


def test_resubmission_is_marked_in_iom_queue(stockholm_coordinator, iom_caseworker):
    from django.utils import translation

    first_time = make_ready_to_submit(make_case(CaseState.SUBMITTED))
    again = _returned(iom_caseworker)
    services.submit_case(again, by=stockholm_coordinator)
    asked_on = timezone.localtime(again.decisions.get().decided_at).strftime("%Y-%m-%d")
    with translation.override("en"):
        notes = _review_notes(iom_caseworker)
    assert notes[again.pk] == f"resubmitted after changes asked on {asked_on}"
    assert notes[first_time.pk] == "None"
    home = _client(iom_caseworker).get(reverse("home")).content.decode()
    assert f"resubmitted after changes asked on {asked_on}" in home


def test_iom_home_page_costs_the_same_with_or_without_resubmissions(
    stockholm_coordinator, iom_caseworker
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(iom_caseworker)
    make_ready_to_submit(make_case(CaseState.SUBMITTED))

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    few = count()
    for _ in range(3):
        case = _returned(iom_caseworker)
        services.submit_case(case, by=stockholm_coordinator)
    assert count() == few


# Item 16: a transfer says where from, when, by whom and why; "not eligible" can be reopened.


def test_transferred_case_tells_the_new_region_where_it_came_from_and_why(
    stockholm_coordinator, syd_coordinator
):
    case = make_case(CaseState.SCREENING)
    response = _client(stockholm_coordinator).post(
        reverse("referrals:transfer", args=[case.uuid]),
        {"region": region("syd").pk, "reason": "Personen har flyttat till Malmö."},
    )
    assert response.status_code == 302
    page = _page(syd_coordinator, "referrals:case", case)
    summary = page.split('<dl class="summary">')[1].split("</dl>")[0]
    today = timezone.localdate().isoformat()
    assert "Transferred from" in summary
    assert f"Stockholm on {today} by {stockholm_coordinator.display_name}" in summary
    assert stockholm_coordinator.organisation.name in summary
    assert "Personen har flyttat till Malmö." in summary
    timeline = page.split('id="timeline-title"')[1]
    assert "transferred the case (from Stockholm to Syd) — Personen har flyttat till Malmö." in (
        timeline
    )


def test_a_transfer_logged_before_reasons_still_says_where_the_case_came_from(
    stockholm_coordinator, syd_coordinator
):
    # Entries written before transfers had parameters and a reason: "Stockholm -> Syd".
    case = make_case(CaseState.SCREENING, region_code="syd")
    CaseEvent.objects.create(
        case=case, action="case.transferred", actor=stockholm_coordinator, note="Stockholm -> Syd"
    )
    page = _page(syd_coordinator, "referrals:case", case)
    summary = page.split('<dl class="summary">')[1].split("</dl>")[0]
    assert "Transferred from" in summary and "Stockholm on " in summary
    assert "Stockholm -&gt; Syd" not in page
    assert "transferred the case (from Stockholm to Syd)" in page.split('id="timeline-title"')[1]


def test_transfer_without_a_reason_is_refused(stockholm_coordinator):
    case = make_case(CaseState.SCREENING)
    response = _client(stockholm_coordinator).post(
        reverse("referrals:transfer", args=[case.uuid]), {"region": region("syd").pk}
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.region.code == "stockholm"
    with pytest.raises(services.CaseError):
        services.transfer_case(case, by=stockholm_coordinator, region=region("syd"), reason=" ")


def _ineligible():
    case = make_case(CaseState.INELIGIBLE)
    return case


def test_coordinator_reopens_the_screening_of_a_case_found_not_eligible(stockholm_coordinator):
    case = _ineligible()
    page = _page(stockholm_coordinator, "referrals:case", case)
    url = reverse("referrals:reconsider", args=[case.uuid])
    assert url in page
    response = _client(stockholm_coordinator).post(url, {"reason": "Nya uppgifter från polisen."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.SCREENING
    assert permissions.can_work(case, stockholm_coordinator)
    event = CaseEvent.objects.get(case=case, action="case.screening_reopened")
    assert (event.from_state, event.to_state, event.note) == (
        "ineligible",
        "screening",
        "Nya uppgifter från polisen.",
    )
    assert AuditEvent.objects.filter(
        action="case.screening_reopened", object_id=str(case.pk)
    ).exists()
    timeline = _page(stockholm_coordinator, "referrals:case", case).split('id="timeline-title"')[1]
    assert "reopened the screening — Nya uppgifter från polisen." in timeline


def test_reopening_the_screening_needs_a_reason(stockholm_coordinator):
    case = _ineligible()
    response = _client(stockholm_coordinator).post(
        reverse("referrals:reconsider", args=[case.uuid]), {"reason": ""}
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == CaseState.INELIGIBLE


@pytest.mark.parametrize("persona", ["iom_caseworker", "social_worker", "referrer"])
def test_only_the_region_coordinator_may_reopen_the_screening(persona, request):
    user = request.getfixturevalue(persona)
    case = _ineligible()
    # Each sees the case (the social worker assigned, IOM Finland consulted with consent),
    # none may reopen it.
    if persona == "social_worker":
        Case.objects.filter(pk=case.pk).update(social_worker=user)
    if persona == "iom_caseworker":
        add_consent(case, ConsentPurpose.IOM_FINLAND)
        Case.objects.filter(pk=case.pk).update(consultation_shared_at=timezone.now())
    case.refresh_from_db()
    sync_case_permissions(case)
    with pytest.raises(PermissionDenied):
        services.reconsider_eligibility(case, by=user, reason="Nya uppgifter.")
    response = _client(user).post(
        reverse("referrals:reconsider", args=[case.uuid]), {"reason": "Nya uppgifter."}
    )
    # Those who see the case are refused (403); the referrer sees only the status (404).
    assert response.status_code == (404 if persona == "referrer" else 403)
    case.refresh_from_db()
    assert case.state == CaseState.INELIGIBLE


def test_the_other_regions_coordinator_cannot_reopen_the_screening(syd_coordinator):
    case = _ineligible()
    response = _client(syd_coordinator).post(
        reverse("referrals:reconsider", args=[case.uuid]), {"reason": "Nya uppgifter."}
    )
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.reconsider_eligibility(case, by=syd_coordinator, reason="Nya uppgifter.")


def test_reopening_the_screening_twice_says_what_the_case_is_now(stockholm_coordinator):
    case = _ineligible()
    client = _client(stockholm_coordinator)
    url = reverse("referrals:reconsider", args=[case.uuid])
    assert client.post(url, {"reason": "Nya uppgifter."}).status_code == 302

    again = client.post(url, {"reason": "Nya uppgifter."})

    assert again.status_code == 302
    assert again["Location"] == reverse("referrals:case", args=[case.uuid])
    said = [str(message) for message in get_messages(again.wsgi_request)]
    assert any("The case is now “Screening”" in message for message in said)
    assert CaseEvent.objects.filter(case=case, action="case.screening_reopened").count() == 1
    assert not AuditEvent.objects.filter(action="access.denied", actor=stockholm_coordinator)


# Item 12: the next step first, the other actions after it; each task links where it is done.


def _actions_section(page: str) -> str:
    return page.split('id="actions-title"')[1].split("</section>")[0]


def _eligible(case):
    from referrals.models import EligibilityAssessment

    EligibilityAssessment.objects.create(
        case=case,
        basis=EligibilityAssessment.Basis.TRAFFICKING_PRESUMED,
        wants_voluntary_return=True,
        destination=EligibilityAssessment.Destination.ORIGIN,
        assessed_by=case.referred_by,
    )
    return case


def _next_step(user, case) -> tuple[str, str, str] | None:
    response = _client(user).get(reverse("referrals:case", args=[case.uuid]))
    step = response.context["next_step"]
    return None if step is None else (step[0], str(step[1]), step[2])


@pytest.mark.parametrize(
    ("state", "url_name", "label", "style"),
    [
        (CaseState.REFERRED, "start-screening", "Start screening", "post"),
        (CaseState.SCREENING, "eligibility", "Screen eligibility", "link"),
    ],
)
def test_next_step_follows_the_state(stockholm_coordinator, state, url_name, label, style):
    case = make_case(state)
    url = reverse(f"referrals:{url_name}", args=[case.uuid])
    assert _next_step(stockholm_coordinator, case) == (url, label, style)


def test_next_step_of_a_case_in_preparation_is_its_first_task_to_do(stockholm_coordinator):
    case = _eligible(make_case(CaseState.PREPARING))
    consent = reverse("referrals:consent", args=[case.uuid]) + "?purpose=iom_finland"
    assert _next_step(stockholm_coordinator, case) == (
        consent,
        "Record the consent to share with IOM Finland",
        "link",
    )
    section = _actions_section(_page(stockholm_coordinator, "referrals:case", case))
    primary = section.index('class="button"')
    assert section.index(consent.replace("?", "?")) < section.index("secondary-actions")
    assert primary < section.index("secondary-actions")
    # Every other action is a plain link after it, the next step not repeated.
    others = section.split("secondary-actions")[1]
    assert 'class="button"' not in others
    assert reverse("referrals:document-upload", args=[case.uuid]) in others


def test_next_step_of_a_complete_case_is_the_submission(stockholm_coordinator):
    case = make_ready_to_submit(make_case(CaseState.PREPARING))
    assert _next_step(stockholm_coordinator, case) == (
        reverse("referrals:submit", args=[case.uuid]),
        "Check and submit to IOM Finland",
        "link",
    )


def test_next_step_for_iom_on_a_submission_is_the_approval(iom_caseworker):
    case = make_ready_to_submit(make_case(CaseState.SUBMITTED))
    assert _next_step(iom_caseworker, case) == (
        reverse("referrals:approve", args=[case.uuid]),
        "Approve",
        "link",
    )
    section = _actions_section(_page(iom_caseworker, "referrals:case", case)).split(
        "secondary-actions"
    )[1]
    assert reverse("referrals:request-changes", args=[case.uuid]) in section
    assert reverse("referrals:reject", args=[case.uuid]) in section


def test_no_step_forward_means_no_primary_button(stockholm_coordinator):
    case = make_ready_to_submit(make_case(CaseState.SUBMITTED))
    assert _next_step(stockholm_coordinator, case) is None
    section = _actions_section(_page(stockholm_coordinator, "referrals:case", case))
    assert 'class="button"' not in section
    assert reverse("referrals:withdraw", args=[case.uuid]) in section


def test_each_task_to_do_links_where_it_is_done(stockholm_coordinator):
    case = _eligible(make_case(CaseState.PREPARING))
    page = _page(stockholm_coordinator, "referrals:case", case)
    tasks = page.split('id="tasks-title"')[1].split("</section>")[0]
    uuid = case.uuid
    for url in (
        reverse("referrals:consent", args=[uuid]) + "?purpose=iom_finland",
        reverse("referrals:application", args=[uuid]),
        reverse("referrals:document-upload", args=[uuid]) + "?kind=signed_application",
        reverse("risk:table", args=[uuid]),
    ):
        assert f'href="{url}"' in tasks
    # A task done links nowhere.
    assert f'href="{reverse("referrals:eligibility", args=[uuid])}"' not in tasks


def _chosen_in(page: str, value: str) -> bool:
    """Whether the option or box of `value` is chosen on the form."""
    import re

    element = re.search(rf'<(?:option|input)[^>]*value="{value}"[^>]*>', page)
    return element is not None and re.search(r"\b(selected|checked)\b", element[0]) is not None


def test_a_tasks_link_opens_its_form_with_the_choice_it_needs(stockholm_coordinator):
    case = _eligible(make_case(CaseState.PREPARING))
    client = _client(stockholm_coordinator)
    consent = client.get(reverse("referrals:consent", args=[case.uuid]) + "?purpose=iom_finland")
    assert _chosen_in(consent.content.decode(), "iom_finland")
    assert not _chosen_in(consent.content.decode(), "iom_destination")
    upload = client.get(
        reverse("referrals:document-upload", args=[case.uuid]) + "?kind=signed_application"
    )
    assert upload.context["form"]["kind"].value() == "signed_application"


def test_case_page_with_next_step_costs_the_same_with_many_documents(stockholm_coordinator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_document

    case = _eligible(make_case(CaseState.PREPARING))
    client = _client(stockholm_coordinator)
    url = reverse("referrals:case", args=[case.uuid])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    for _ in range(10):
        make_document(case)
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, action="document.uploaded", actor=stockholm_coordinator)
        for _ in range(10)
    )
    assert count() == few


# Item 21: the timeline in words, in the reader's language; each step once; newest first, by
# day. (Swedish labels of choices come from the existing catalogue.)


def _timeline(user, case, language="en") -> str:
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE=language), user)
    client.cookies["django_language"] = language
    page = client.get(reverse("referrals:case", args=[case.uuid])).content.decode()
    return page.split('id="timeline-title"')[1].split("</section>")[0]


def _event(case, actor, action, *, at, note="", **params):
    extra = {"params": params} if params else {}
    return CaseEvent.objects.create(
        case=case, action=action, actor=actor, note=note, at=at, **extra
    )


AT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def test_timeline_shows_no_raw_codes(stockholm_coordinator):
    case = make_case(CaseState.PREPARING)
    # As services wrote them before, and as they write them now.
    _event(case, stockholm_coordinator, "consent.given", at=AT, note="iom_finland")
    _event(case, stockholm_coordinator, "consent.given", at=AT, purpose="iom_destination")
    _event(case, stockholm_coordinator, "risk_table.completed", at=AT, note="v2, level 3")
    _event(case, stockholm_coordinator, "document.uploaded", at=AT, kind="signed_application")
    timeline = _timeline(stockholm_coordinator, case)
    assert "iom_finland" not in timeline and "iom_destination" not in timeline
    assert "level 3" not in timeline and "signed_application" not in timeline
    assert "recorded consent (Share with IOM Finland)" in timeline
    assert "recorded consent (Share with the IOM office in the destination country)" in timeline
    assert "completed and signed the risk table (version 2, risk level high)" in timeline
    assert "uploaded a document (Signed application)" in timeline


def test_timeline_reads_labels_stored_in_english_in_swedish(stockholm_coordinator):
    case = make_case(CaseState.PREPARING)
    _event(case, stockholm_coordinator, "document.uploaded", at=AT, note="Signed application")
    _event(
        case,
        stockholm_coordinator,
        "travel.document_saved",
        at=AT,
        note="Emergency travel document",
    )
    _event(case, stockholm_coordinator, "consent.given", at=AT, note="iom_finland")
    timeline = _timeline(stockholm_coordinator, case, "sv")
    assert "Signed application" not in timeline
    assert "Emergency travel document" not in timeline
    assert "iom_finland" not in timeline
    assert "Undertecknad ansökan" in timeline
    assert "Provisoriskt resedokument" in timeline
    assert "Dela med IOM Finland" in timeline


def test_timeline_shows_a_departure_once(iom_caseworker, stockholm_coordinator):
    case = make_case(CaseState.IN_TRANSIT)
    _event(case, iom_caseworker, "travel.departed", at=AT)
    _event(case, iom_caseworker, "case.departed", at=AT + dt.timedelta(milliseconds=3))
    _event(case, iom_caseworker, "travel.arrived", at=AT + dt.timedelta(days=1))
    _event(case, iom_caseworker, "case.arrived", at=AT + dt.timedelta(days=1, milliseconds=3))
    timeline = _timeline(stockholm_coordinator, case)
    assert timeline.count("recorded the departure") + timeline.count("left Sweden") == 1
    assert timeline.count("recorded the arrival") + timeline.count("returnee arrived") == 1


def test_timeline_is_newest_first_with_a_heading_per_day(stockholm_coordinator):
    case = make_case(CaseState.PREPARING)
    _event(case, stockholm_coordinator, "case.referred", at=AT)
    _event(case, stockholm_coordinator, "case.screening_started", at=AT + dt.timedelta(hours=1))
    _event(case, stockholm_coordinator, "case.eligible", at=AT + dt.timedelta(days=2))
    timeline = _timeline(stockholm_coordinator, case)
    assert timeline.count('class="timeline-day"') == 2
    assert timeline.index("22 November 2026") < timeline.index("20 November 2026")
    found = [
        timeline.index(words)
        for words in ("found the person eligible", "started screening", "logged the referral")
    ]
    assert found == sorted(found)
    # The two entries of 20 November stand under that day's heading.
    second_day = timeline.split("20 November 2026")[1]
    assert "started screening" in second_day and "logged the referral" in second_day


def test_pseudonym_given_in_english_reads_in_swedish(stockholm_coordinator, iom_caseworker):
    from referrals.models import Case

    case = make_case()
    number = case.reference.rsplit("-", 1)[-1]
    Case.objects.filter(pk=case.pk).update(pseudonym=f"Returnee {number}")
    services.share_for_consultation(case, by=stockholm_coordinator)
    client = sign_in(Client(), iom_caseworker)
    client.cookies["django_language"] = "sv"
    page = client.get(reverse("referrals:case", args=[case.uuid])).content.decode()
    heading = page.split("<h1>")[1].split("</h1>")[0]
    from django.utils import translation

    with translation.override("sv"):
        swedish = str(Case.PSEUDONYM) % {"number": number}
    assert f"Returnee {number}" not in heading
    assert f"({swedish})" in heading and swedish != f"Returnee {number}"


@pytest.mark.parametrize(
    ("consent", "shown"),
    [(False, "under its pseudonym"), (True, "with names and dates of birth, as consented")],
)
def test_timeline_says_what_iom_was_shown_in_a_consultation(stockholm_coordinator, consent, shown):
    case = make_case(CaseState.SCREENING)
    if consent:
        add_consent(case, ConsentPurpose.IOM_FINLAND)
    services.share_for_consultation(case, by=stockholm_coordinator)
    timeline = _timeline(stockholm_coordinator, case)
    assert f"shared the case with IOM Finland for a consultation ({shown})" in timeline
