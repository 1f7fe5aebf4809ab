"""Step-up: a sensitive view asks for a fresh code when the last one is older than five minutes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ampcase.accounts.stepup import fresh_code_required
from ampcase.audit.models import AuditEvent
from ampcase.urls import urlpatterns as project_urlpatterns
from tests.conftest import current_code, sign_in
from tests.factories import PASSWORD, StaticTokenFactory

pytestmark = pytest.mark.django_db

carried_out = []


@fresh_code_required
def _sensitive(request):
    carried_out.append(request.method)
    return HttpResponse("carried out")


urlpatterns = [path("sensitive/", _sensitive), *project_urlpatterns]

SENSITIVE = "/sensitive/"
STEP_UP = reverse("accounts:step-up")
STEP_UP_BACKUP = reverse("accounts:step-up-backup")
STEP_UP_FOR_SENSITIVE = f"{STEP_UP}?next=%2Fsensitive%2F"
HOME = reverse("home")
LOGIN = reverse("accounts:login")
SIGNED_IN_AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def minutes_after_login(minutes: int):
    return time_machine.travel(SIGNED_IN_AT + timedelta(minutes=minutes), tick=False)


@pytest.fixture(autouse=True)
def _sensitive_view(settings):
    settings.ROOT_URLCONF = __name__
    carried_out.clear()


@pytest.fixture
def approver_client(iom_approver):
    with minutes_after_login(0):
        return sign_in(Client(), iom_approver)


@pytest.fixture
def device(iom_approver, approver_client):
    return TOTPDevice.objects.get(user=iom_approver)


def wrong_code(device) -> str:
    return "000000" if current_code(device) != "000000" else "111111"


@pytest.mark.parametrize("method", ["get", "post"])
def test_code_older_than_five_minutes_sends_the_request_to_the_step_up_page(
    approver_client, method
):
    with minutes_after_login(6):
        response = getattr(approver_client, method)(SENSITIVE + "?tab=1")
    assert response.status_code == 302
    assert response["Location"] == f"{STEP_UP}?next=%2Fsensitive%2F%3Ftab%3D1"
    assert carried_out == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_code_given_four_minutes_ago_is_fresh_enough(approver_client, method):
    with minutes_after_login(4):
        response = getattr(approver_client, method)(SENSITIVE)
    assert response.status_code == 200
    assert carried_out == [method.upper()]


def test_login_records_when_the_code_was_given(client, iom_approver):
    device = TOTPDevice.objects.create(user=iom_approver, name="authenticator", confirmed=True)
    with minutes_after_login(0):
        client.post(LOGIN, {"username": iom_approver.username, "password": PASSWORD})
        client.post(reverse("accounts:verify"), {"code": current_code(device)})
        assert client.session["verified_at"] == SIGNED_IN_AT.timestamp()


def test_right_code_lets_the_user_back_to_the_page_that_asked(approver_client, device):
    with minutes_after_login(6):
        response = approver_client.post(STEP_UP_FOR_SENSITIVE, {"code": current_code(device)})
        assert response.status_code == 302
        assert response["Location"] == SENSITIVE
        assert approver_client.get(SENSITIVE).status_code == 200
    assert carried_out == ["GET"]


def test_right_code_rotates_the_session_key(approver_client, device):
    with minutes_after_login(6):
        before = approver_client.session.session_key
        approver_client.post(STEP_UP_FOR_SENSITIVE, {"code": current_code(device)})
        assert approver_client.session.session_key != before


def test_right_code_records_when_it_was_given(approver_client, device):
    with minutes_after_login(6):
        approver_client.post(STEP_UP_FOR_SENSITIVE, {"code": current_code(device)})
        assert approver_client.session["verified_at"] == SIGNED_IN_AT.timestamp() + 6 * 60


def test_step_up_is_audited_without_personal_data(approver_client, device, iom_approver):
    with minutes_after_login(6):
        approver_client.post(STEP_UP_FOR_SENSITIVE, {"code": current_code(device)})
    event = AuditEvent.objects.get(action="auth.stepped_up")
    assert event.actor == iom_approver
    assert event.summary == "authenticator app"


def test_step_up_page_links_to_backup_codes_keeping_next(approver_client, iom_approver):
    StaticTokenFactory(device__user=iom_approver)
    with minutes_after_login(6):
        page = approver_client.get(STEP_UP_FOR_SENSITIVE).content.decode()
    assert f'href="{STEP_UP_BACKUP}?next=%2Fsensitive%2F"' in page


def test_step_up_page_says_the_action_must_be_confirmed_again(approver_client):
    with minutes_after_login(6):
        response = approver_client.get(STEP_UP_FOR_SENSITIVE, HTTP_ACCEPT_LANGUAGE="en")
    assert "Nothing has been done yet" in response.content.decode()


def test_backup_code_steps_up(approver_client, iom_approver):
    StaticTokenFactory(device__user=iom_approver, token="abcd2345")
    with minutes_after_login(6):
        response = approver_client.post(
            f"{STEP_UP_BACKUP}?next=%2Fsensitive%2F", {"code": "abcd 2345"}
        )
    assert response["Location"] == SENSITIVE
    assert AuditEvent.objects.get(action="auth.stepped_up").summary == "backup code"


def test_backup_code_works_only_once(approver_client, iom_approver):
    StaticTokenFactory(device__user=iom_approver, token="abcd2345")
    with minutes_after_login(6):
        approver_client.post(f"{STEP_UP_BACKUP}?next=%2Fsensitive%2F", {"code": "abcd2345"})
    with minutes_after_login(12):
        response = approver_client.post(
            f"{STEP_UP_BACKUP}?next=%2Fsensitive%2F", {"code": "abcd2345"}
        )
        assert response.status_code == 200
        assert approver_client.get(SENSITIVE)["Location"] == STEP_UP_FOR_SENSITIVE


def test_user_without_an_app_is_asked_for_a_backup_code(approver_client, device, iom_approver):
    token = StaticTokenFactory(device__user=iom_approver)
    with minutes_after_login(0):
        # Signed in with a backup code, and no app any more.
        session = approver_client.session
        session["otp_device_id"] = token.device.persistent_id
        session.save()
    device.delete()
    with minutes_after_login(6):
        response = approver_client.get(STEP_UP_FOR_SENSITIVE)
    assert response["Location"] == f"{STEP_UP_BACKUP}?next=%2Fsensitive%2F"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "That code is not right. Enter the code the app shows now."),
        ("sv", "Koden stämmer inte. Skriv koden som appen visar just nu."),
    ],
)
def test_wrong_code_is_refused_with_a_message_in_the_users_language(
    approver_client, device, language, message
):
    with minutes_after_login(6):
        response = approver_client.post(
            STEP_UP_FOR_SENSITIVE, {"code": wrong_code(device)}, HTTP_ACCEPT_LANGUAGE=language
        )
    assert response.status_code == 200
    assert message in response.content.decode()


def test_wrong_code_is_audited_and_counted_towards_the_lockout(
    approver_client, device, iom_approver
):
    with minutes_after_login(6):
        approver_client.post(STEP_UP_FOR_SENSITIVE, {"code": wrong_code(device)})
    event = AuditEvent.objects.get(action="auth.code_failed")
    assert (event.actor, event.summary) == (iom_approver, "authenticator app")
    assert AccessAttempt.objects.get(username=iom_approver.username).failures_since_start == 1


def test_five_wrong_codes_lock_the_user_out_and_sign_them_out(
    approver_client, device, iom_approver
):
    with minutes_after_login(6):
        for _ in range(5):
            # Throttling would refuse a quick second try; lift it to exercise the lockout alone.
            TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
            response = approver_client.post(STEP_UP_FOR_SENSITIVE, {"code": wrong_code(device)})
        assert response.status_code == 429
        assert "_auth_user_id" not in approver_client.session
        assert approver_client.get(SENSITIVE)["Location"].startswith(LOGIN)
    assert AuditEvent.objects.filter(action="auth.locked_out", actor=iom_approver).exists()


def test_next_to_another_site_is_ignored(approver_client, device):
    with minutes_after_login(6):
        response = approver_client.post(
            f"{STEP_UP}?next=https%3A%2F%2Fevil.example%2F", {"code": current_code(device)}
        )
    assert response["Location"] == HOME


def test_step_up_page_sends_an_anonymous_visitor_to_login(client):
    response = client.get(STEP_UP_FOR_SENSITIVE)
    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_step_up_page_sends_a_password_only_session_to_login(client, iom_approver):
    client.force_login(iom_approver)
    response = client.get(STEP_UP_FOR_SENSITIVE)
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert "_auth_user_id" not in client.session


def test_right_code_clears_the_wrong_ones_before_it(approver_client, device, iom_approver):
    with minutes_after_login(6):
        for _ in range(4):
            TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
            approver_client.post(STEP_UP_FOR_SENSITIVE, {"code": wrong_code(device)})
        assert AccessAttempt.objects.get(username=iom_approver.username).failures_since_start == 4
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        approver_client.post(STEP_UP_FOR_SENSITIVE, {"code": current_code(device)})
    assert not AccessAttempt.objects.filter(username=iom_approver.username).exists()
