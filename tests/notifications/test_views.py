"""The bell, the notification page, opening a notification, the mail settings."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ampcase.audit.models import AuditEvent
from ampcase.notifications import services
from ampcase.notifications.kinds import Kind
from ampcase.notifications.models import MailPreference, Notification
from referrals.models import CaseState
from tests.conftest import sign_in
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def tell(user, count: int, kind: str = Kind.SUBMITTED):
    case = make_case(CaseState.SUBMITTED)
    for _n in range(count):
        services.notify(case, kind, type(user).objects.filter(pk=user.pk))
    return case


@pytest.fixture
def iom_client(iom_caseworker):
    return sign_in(Client(), iom_caseworker)


def test_bell_says_how_many_are_unread_in_words(iom_client, iom_caseworker):
    tell(iom_caseworker, 3)
    response = iom_client.get(reverse("home"))
    assert "Notifications, 3 unread" in response.content.decode() or (
        "Aviseringar, 3 olästa" in response.content.decode()
    )
    assert response.context["unread_notifications"] == 3


def test_bell_in_english(iom_client, iom_caseworker):
    tell(iom_caseworker, 1)
    iom_client.cookies["django_language"] = "en"
    response = iom_client.get(reverse("notifications:list"))
    html = response.content.decode()
    assert "Notifications, 1 unread" in html
    assert 'class="bell has-unread"' in html


def test_list_shows_the_users_notifications_newest_first(
    iom_client, iom_caseworker, stockholm_coordinator
):
    older = tell(iom_caseworker, 1, Kind.SUBMITTED)
    newer = tell(iom_caseworker, 1, Kind.RESUBMITTED)
    tell(stockholm_coordinator, 1, Kind.APPROVED)
    response = iom_client.get(reverse("notifications:list"))
    page = list(response.context["page"])
    assert [n.case for n in page] == [newer, older]


def test_opening_a_notification_marks_it_read_and_goes_to_the_case(iom_client, iom_caseworker):
    case = tell(iom_caseworker, 1)
    notification = Notification.objects.get()
    response = iom_client.get(reverse("notifications:open", args=[notification.uuid]))
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:case", args=[case.uuid])
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert services.unread_count(iom_caseworker) == 0


def test_nobody_opens_or_sees_anothers_notification(iom_client, stockholm_coordinator):
    tell(stockholm_coordinator, 1, Kind.APPROVED)
    theirs = Notification.objects.get()
    response = iom_client.get(reverse("notifications:open", args=[theirs.uuid]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    listed = iom_client.get(reverse("notifications:list"))
    assert list(listed.context["page"]) == []


def test_notification_pages_need_a_signed_in_user(client, iom_caseworker):
    tell(iom_caseworker, 1)
    notification = Notification.objects.get()
    for url in [
        reverse("notifications:list"),
        reverse("notifications:settings"),
        reverse("notifications:open", args=[notification.uuid]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]
    assert client.post(reverse("notifications:read-all")).status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_is_post_only_and_touches_only_ones_own(
    iom_client, iom_caseworker, stockholm_coordinator
):
    tell(iom_caseworker, 2)
    tell(stockholm_coordinator, 1, Kind.APPROVED)
    assert iom_client.get(reverse("notifications:read-all")).status_code == 405
    iom_client.post(reverse("notifications:read-all"))
    assert services.unread_count(iom_caseworker) == 0
    assert services.unread_count(stockholm_coordinator) == 1


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_page_and_bell_cost_the_same_queries_for_10_and_50(iom_client, iom_caseworker):
    url = reverse("notifications:list")
    for _n in range(10):
        tell(iom_caseworker, 1)
    ten = _queries(iom_client, url)
    for _n in range(40):
        tell(iom_caseworker, 1)
    fifty = _queries(iom_client, url)
    assert ten == fifty
    assert len(iom_client.get(url).context["page"]) == 50


def test_user_chooses_a_daily_digest_in_english(iom_client, iom_caseworker):
    url = reverse("notifications:settings")
    assert iom_client.get(url).status_code == 200
    response = iom_client.post(url, {"mail": "digest", "language": "en"})
    assert response.status_code == 302
    preference = MailPreference.objects.get(user=iom_caseworker)
    assert (preference.mail, preference.language) == ("digest", "en")
    assert AuditEvent.objects.filter(action="notifications.settings_changed").exists()


def test_settings_refuse_an_unknown_choice(iom_client, iom_caseworker):
    response = iom_client.post(
        reverse("notifications:settings"), {"mail": "hourly", "language": "en"}
    )
    assert response.status_code == 200
    # The page says what is wrong, beside the field and in the summary above the form.
    assert list(response.context["form"].errors) == ["mail"]
    assert response.context["form"].errors["mail"][0] in response.content.decode()
    assert not MailPreference.objects.exists()


def test_the_administrator_reads_the_outbox_and_cannot_change_it(admin_client_2fa):
    services.notify(make_case(), Kind.REFERRED, _someone())
    url = reverse("admin:notifications_outboxmail_changelist")
    assert admin_client_2fa.get(url).status_code == 200
    assert admin_client_2fa.get(reverse("admin:notifications_outboxmail_add")).status_code == 403


def _someone():
    from tests.factories import make_user

    user = make_user()
    return type(user).objects.filter(pk=user.pk)
