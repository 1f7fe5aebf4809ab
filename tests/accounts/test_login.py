"""The two-step login: password, then a code; enrolment; backup codes; lockout."""

import re

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ampcase.accounts.roles import Role
from ampcase.audit.models import AuditEvent
from tests.conftest import current_code
from tests.factories import PASSWORD, StaticTokenFactory, TOTPDeviceFactory, make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:verify")
BACKUP = reverse("accounts:backup")
ENROL = reverse("accounts:enrol")
HOME = reverse("home")


@pytest.fixture
def user():
    return make_user(Role.REGION_COORDINATOR, username="karin")


@pytest.fixture
def device(user):
    return TOTPDeviceFactory(user=user)


def password_step(client, username="karin", password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_right_password_asks_for_the_code_and_does_not_log_in(client, device):
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert "_auth_user_id" not in client.session
    assert client.get(HOME).status_code == 302


def test_right_code_logs_in_and_lands_on_home(client, device):
    password_step(client)
    response = client.post(VERIFY, {"code": current_code(device)})
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_login_goes_to_the_page_first_asked_for(client, device):
    client.post(LOGIN, {"username": "karin", "password": PASSWORD, "next": "/admin/"})
    response = client.post(VERIFY, {"code": current_code(device)})
    assert response["Location"] == "/admin/"


def test_login_never_redirects_to_another_site(client, device):
    client.post(LOGIN, {"username": "karin", "password": PASSWORD, "next": "https://evil.example/"})
    response = client.post(VERIFY, {"code": current_code(device)})
    assert response["Location"] == HOME


def test_session_key_changes_when_the_code_is_accepted(client, device):
    password_step(client)
    before = client.session.session_key
    client.post(VERIFY, {"code": current_code(device)})
    assert client.session.session_key != before


def test_session_key_changes_when_the_password_is_accepted(client, device):
    client.get(LOGIN)
    before = client.session.session_key
    password_step(client)
    assert client.session.session_key != before


def test_wrong_code_is_refused_with_a_message_and_audited(client, device, user):
    password_step(client)
    response = client.post(
        VERIFY, {"code": "000000" if current_code(device) != "000000" else "111111"}
    )
    assert response.status_code == 200
    assert (
        "That code is not right" in response.content.decode()
        or "Koden stämmer inte" in response.content.decode()
    )
    assert AuditEvent.objects.filter(action="auth.code_failed", actor=user).count() == 1
    assert client.get(HOME).status_code == 302


def test_code_that_is_not_six_digits_gets_a_clear_error(client, device):
    password_step(client)
    response = client.post(VERIFY, {"code": "12ab"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Enter the six digits" in response.content.decode()


def test_code_page_without_password_step_goes_back_to_login(client, device):
    response = client.get(VERIFY)
    assert response["Location"] == LOGIN


def test_password_step_expires_after_five_minutes(client, device):
    with time_machine.travel("2026-11-23 10:00:00+00:00", tick=False):
        password_step(client)
    with time_machine.travel("2026-11-23 10:06:00+00:00", tick=False):
        response = client.post(VERIFY, {"code": current_code(device)})
    assert response["Location"] == LOGIN


def test_successful_login_is_audited(client, device, user):
    password_step(client, REMOTE_ADDR="10.1.2.3")
    client.post(VERIFY, {"code": current_code(device)}, REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == user
    assert event.organisation == user.organisation
    assert event.ip_address == "10.1.2.3"


def test_failed_password_is_audited_for_a_known_user(client, user):
    password_step(client, password="wrong")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor == user


def test_failed_password_for_an_unknown_name_is_audited_without_the_name(client, db):
    password_step(client, username="no-such-person", password="wrong")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor is None
    assert "no-such-person" not in event.summary


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_unknown_and_known_user_names_get_the_same_answer(client, user):
    known = password_step(client, username="karin", password="wrong")
    unknown = password_step(client, username="nobody", password="wrong")
    assert known.status_code == unknown.status_code == 200
    assert _without_csrf(known.content.decode()).replace("karin", "X") == _without_csrf(
        unknown.content.decode()
    ).replace("nobody", "X")


def test_inactive_user_gets_the_same_answer_as_a_wrong_password(client, user):
    user.is_active = False
    user.save()
    inactive = password_step(client)
    wrong = password_step(client, password="wrong")
    assert _without_csrf(inactive.content.decode()) == _without_csrf(wrong.content.decode())


def test_five_failures_lock_the_user_name_even_from_changing_addresses(client, device, user):
    for attempt in range(5):
        password_step(
            client,
            password="wrong",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}",
            REMOTE_ADDR=f"198.51.100.{attempt}",
        )
    response = password_step(client, HTTP_X_FORWARDED_FOR="192.0.2.99", REMOTE_ADDR="192.0.2.99")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.session.get("twofactor_pending") is None
    assert AuditEvent.objects.filter(action="auth.locked_out", actor=user).exists()


def test_lockout_ends_after_fifteen_minutes(client, device):
    with time_machine.travel("2026-11-23 10:00:00+00:00", tick=False):
        for _ in range(5):
            password_step(client, password="wrong")
        assert password_step(client).status_code == 429
    with time_machine.travel("2026-11-23 10:16:00+00:00", tick=False):
        response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == VERIFY


def test_unknown_user_names_lock_the_same_way(client, db):
    responses = [password_step(client, username="ghost", password="wrong") for _ in range(6)]
    assert responses[-1].status_code == 429


def test_wrong_codes_count_towards_the_lockout(client, device, user):
    password_step(client)
    bad = "000000" if current_code(device) != "000000" else "111111"
    for _ in range(5):
        # Throttling would refuse a quick second try; lift it to exercise the lockout alone.
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        response = client.post(VERIFY, {"code": bad})
    assert response.status_code == 429
    assert password_step(client).status_code == 429
    assert AuditEvent.objects.filter(action="auth.code_failed").count() == 5


def test_wrong_codes_are_throttled(client, device):
    password_step(client)
    bad = "000000" if current_code(device) != "000000" else "111111"
    client.post(VERIFY, {"code": bad})
    response = client.post(VERIFY, {"code": current_code(device)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Too many wrong codes" in response.content.decode()
    assert client.get(HOME).status_code == 302


def test_backup_code_logs_in_once(client, user):
    token = StaticTokenFactory(device__user=user, token="abcd2345")
    response = password_step(client)
    assert response["Location"] == BACKUP
    assert client.post(BACKUP, {"code": "abcd 2345"})["Location"] == HOME
    assert not type(token).objects.filter(pk=token.pk).exists()
    client.post(reverse("accounts:logout"))
    password_step(client)
    response = client.post(BACKUP, {"code": "abcd2345"})
    assert response.status_code == 200
    assert client.get(HOME).status_code == 302


def test_code_page_links_to_backup_codes_when_the_user_has_them(client, device, user):
    StaticTokenFactory(device__user=user)
    password_step(client)
    assert BACKUP in client.get(VERIFY).content.decode()


def test_first_login_enrols_an_authenticator_app(client, user):
    response = password_step(client)
    assert response["Location"] == ENROL
    page = client.get(ENROL).content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    # The same secret is shown again on reload, so a slow scan still works.
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=user).count() == 1
    response = client.post(ENROL, {"code": current_code(device)})
    assert response["Location"] == reverse("accounts:backup-codes")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(action="auth.device_enrolled", actor=user).exists()


def test_backup_codes_are_shown_once_after_enrolment(client, user):
    password_step(client)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user)
    client.post(ENROL, {"code": current_code(device)})
    first = client.get(reverse("accounts:backup-codes"))
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", first.content.decode())
    assert len(codes) == 10
    assert set(codes) == set(user.staticdevice_set.get().token_set.values_list("token", flat=True))
    assert client.get(reverse("accounts:backup-codes"))["Location"] == HOME


def test_enrolment_is_no_way_around_an_existing_device(client, device, user):
    password_step(client)
    response = client.get(ENROL)
    assert response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_enrolment_is_no_way_around_backup_codes(client, user):
    StaticTokenFactory(device__user=user)
    password_step(client)
    assert client.get(ENROL)["Location"] == BACKUP


def test_user_who_came_in_with_a_backup_code_can_enrol_an_app(client, user):
    StaticTokenFactory(device__user=user, token="abcd2345")
    password_step(client)
    client.post(BACKUP, {"code": "abcd2345"})
    assert client.get(ENROL).status_code == 200


def test_logout_is_post_only_and_ends_the_session(client, device, user):
    password_step(client)
    client.post(VERIFY, {"code": current_code(device)})
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == LOGIN
    assert client.get(HOME).status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=user).exists()


def test_session_ends_after_twelve_hours_on_the_login_page_saying_why(client, device):
    # Through the whole middleware stack: the message must be stored although the session
    # that carried it is flushed.
    with time_machine.travel("2026-03-02 08:00 +01:00", tick=False) as traveller:
        password_step(client)
        client.post(VERIFY, {"code": current_code(device)})
        # Active all day: a page every 20 minutes keeps the session from going idle.
        for _ in range(12 * 3):
            traveller.shift(20 * 60)
            assert client.get(HOME).status_code == 200
        traveller.shift(20 * 60)
        response = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={HOME}"
        page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "You were signed out after 12 hours. Sign in again." in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_page_names_both_kinds_of_code(client, db):
    # Users without an app are asked for a backup code: the page must not promise only the app.
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "a code from your authenticator app, or one of your backup codes" in page


def test_right_code_right_after_a_wrong_one_is_told_to_wait_not_that_it_is_wrong(client, device):
    with time_machine.travel("2026-03-02 08:00:05 +01:00", tick=False) as traveller:
        password_step(client)
        bad = "000000" if current_code(device) != "000000" else "111111"
        client.post(VERIFY, {"code": bad})
        response = client.post(VERIFY, {"code": current_code(device)}, HTTP_ACCEPT_LANGUAGE="en")
        page = response.content.decode()
        assert "Too many wrong codes in a row. Wait 1 second, then try again." in page
        assert "not right" not in page
        # After the wait the same right code signs in.
        traveller.shift(2)
        response = client.post(VERIFY, {"code": current_code(device)})
    assert response["Location"] == HOME


def test_wait_grows_with_each_wrong_code(client, device):
    with time_machine.travel("2026-03-02 08:00:05 +01:00", tick=False) as traveller:
        password_step(client)
        bad = "000000" if current_code(device) != "000000" else "111111"
        for _ in range(3):
            client.post(VERIFY, {"code": bad})
            traveller.shift(10)
        client.post(VERIFY, {"code": bad})
        response = client.post(VERIFY, {"code": bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Wait 8 seconds, then try again." in response.content.decode()


def test_enrolment_says_to_wait_after_a_wrong_code(client, user):
    with time_machine.travel("2026-03-02 08:00:05 +01:00", tick=False):
        password_step(client)
        client.get(ENROL)
        device = TOTPDevice.objects.get(user=user)
        bad = "000000" if current_code(device) != "000000" else "111111"
        client.post(ENROL, {"code": bad})
        response = client.post(ENROL, {"code": current_code(device)}, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "Wait 1 second, then try again." in page
    assert "not right" not in page


def test_signing_in_with_a_backup_code_asks_once_to_set_up_an_app(client, user):
    StaticTokenFactory(device__user=user, token="abcd2345")
    password_step(client)
    client.post(BACKUP, {"code": "abcd2345"})
    page = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count('class="notice"') == 1
    assert 'class="message' not in page
    assert ENROL in page


def test_backup_codes_page_offers_to_print_the_codes_alone(client, user):
    password_step(client)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user)
    client.post(ENROL, {"code": current_code(device)})
    page = client.get(reverse("accounts:backup-codes"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<button type="button"[^>]*data-print[^>]*>Print the codes</button>', page)
    assert re.search(r'<script src="/static/js/print\.[0-9a-f.]*js" defer>', page)
    # The codes sit in the one part of the page the print stylesheet shows.
    assert re.search(r'class="print-area".*id="backup-codes"', page, re.DOTALL)
