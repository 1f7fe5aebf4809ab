"""The mail: in the recipient's language, with no personal data; daily digests; the worker,
which survives a failing mail server and never sends a mail twice."""

import datetime as dt
import socket
import threading
import time

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.core import mail as django_mail
from django.core.management import call_command
from django.db import connections
from django.test import override_settings

from ampcase.accounts.roles import Role
from ampcase.notifications import services
from ampcase.notifications.kinds import Kind
from ampcase.notifications.models import MailChoice, MailPreference, Notification, OutboxMail
from tests.factories import make_case, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()
STOCKHOLM = dt.timezone(dt.timedelta(hours=1))


def readers(*names, **preferences):
    """Users named `names`; `preferences` gives some of them a MailPreference (choice,
    language)."""
    users = [make_user(Role.REGION_COORDINATOR, username=name) for name in names]
    for user in users:
        if user.username in preferences:
            choice, language = preferences[user.username]
            MailPreference.objects.create(user=user, mail=choice, language=language)
    return User.objects.filter(pk__in=[user.pk for user in users])


# No personal data in any mail.

CANARIES = ["Kanariefågel", "Zyxwvutsson", "1987-06-05", "05.06.1987", "Hemlig berättelse"]


def test_no_mail_of_any_kind_or_language_carries_personal_data():
    case = make_case(
        given_name="Kanariefågel",
        family_name="Zyxwvutsson",
        date_of_birth=dt.date(1987, 6, 5),
        referral_note="Hemlig berättelse",
    )
    recipients = readers(
        "sv_reader",
        "en_reader",
        "digest_sv",
        "digest_en",
        sv_reader=(MailChoice.EVERY, "sv"),
        en_reader=(MailChoice.EVERY, "en"),
        digest_sv=(MailChoice.DIGEST, "sv"),
        digest_en=(MailChoice.DIGEST, "en"),
    )
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, 0, tzinfo=STOCKHOLM)):
        for kind in Kind.values:
            services.notify(case, kind, recipients)
    with time_machine.travel(dt.datetime(2026, 12, 2, 8, 0, tzinfo=STOCKHOLM)):
        assert services.build_digests() == 2
    mails = list(OutboxMail.objects.all())
    # Every kind for each of the two, and a digest for each of the other two.
    assert len(mails) == 2 * len(Kind.values) + 2
    for mail in mails:
        text = f"{mail.subject}\n{mail.body}"
        assert case.reference in text
        for canary in CANARIES:
            assert canary not in text
        assert str(case.uuid) not in text


def test_mail_is_written_in_the_recipients_language():
    case = make_case()
    recipients = readers("sv_reader", "en_reader", en_reader=(MailChoice.EVERY, "en"))
    services.notify(case, Kind.SUBMITTED, recipients)
    by_user = {mail.recipient.username: mail for mail in OutboxMail.objects.all()}
    assert by_user["en_reader"].subject == f"ÅMP Case: Submitted to IOM Finland ({case.reference})"
    assert by_user["en_reader"].language == "en"
    # Without a preference: the site's language, Swedish.
    assert by_user["sv_reader"].language == "sv"
    link = f"http://127.0.0.1:8000/notifications/{by_user['sv_reader'].notifications.get().uuid}/"
    assert (by_user["sv_reader"].subject, by_user["sv_reader"].body) == (
        services.render_event_mail(Kind.SUBMITTED, case.reference, link, "sv")
    )


def test_mail_links_to_the_notification_at_the_site():
    case = make_case()
    services.notify(case, Kind.REFERRED, readers("reader"))
    notification = Notification.objects.get()
    assert f"http://127.0.0.1:8000/notifications/{notification.uuid}/" in notification.mail.body


def test_users_who_want_no_mail_or_have_no_address_get_only_the_notification():
    case = make_case()
    recipients = readers("quiet", "no_address", quiet=(MailChoice.NONE, "sv"))
    User.objects.filter(username="no_address").update(email="")
    services.notify(case, Kind.REFERRED, recipients)
    assert Notification.objects.count() == 2
    assert not OutboxMail.objects.exists()


# Digests.


def test_digest_groups_a_days_events_in_one_mail_a_day():
    first, second = make_case(), make_case()
    recipients = readers("daily", "every", daily=(MailChoice.DIGEST, "en"))
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=STOCKHOLM)):
        services.notify(first, Kind.REFERRED, recipients)
    with time_machine.travel(dt.datetime(2026, 12, 1, 16, 0, tzinfo=STOCKHOLM)):
        services.notify(second, Kind.SUBMITTED, recipients)
        # The day's digest is not due before tomorrow's digest hour.
        assert services.build_digests() == 0
    # "every" got a mail for each event at once; "daily" none yet.
    assert OutboxMail.objects.filter(recipient__username="every").count() == 2
    assert not OutboxMail.objects.filter(recipient__username="daily").exists()

    with time_machine.travel(dt.datetime(2026, 12, 2, 7, 30, tzinfo=STOCKHOLM)):
        assert services.build_digests() == 1
        assert services.build_digests() == 0
    digest = OutboxMail.objects.get(recipient__username="daily")
    assert digest.subject == "ÅMP Case: 2 new notifications"
    assert f"- {first.reference}: New referral" in digest.body
    assert f"- {second.reference}: Submitted to IOM Finland" in digest.body
    assert set(
        Notification.objects.filter(recipient__username="daily").values_list("mail", flat=True)
    ) == {digest.pk}


def test_an_event_after_the_digest_hour_waits_for_the_next_days_digest():
    case = make_case()
    recipients = readers("daily", daily=(MailChoice.DIGEST, "en"))
    with time_machine.travel(dt.datetime(2026, 12, 2, 7, 10, tzinfo=STOCKHOLM)):
        services.notify(case, Kind.REFERRED, recipients)
    with time_machine.travel(dt.datetime(2026, 12, 2, 23, 0, tzinfo=STOCKHOLM)):
        assert services.build_digests() == 0
    with time_machine.travel(dt.datetime(2026, 12, 3, 7, 0, tzinfo=STOCKHOLM)):
        assert services.build_digests() == 1


def test_a_user_who_switched_mail_off_gets_no_digest():
    case = make_case()
    recipients = readers("daily", daily=(MailChoice.DIGEST, "en"))
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=STOCKHOLM)):
        services.notify(case, Kind.REFERRED, recipients)
    MailPreference.objects.filter(user__username="daily").update(mail=MailChoice.NONE)
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=STOCKHOLM)):
        assert services.build_digests() == 0
    assert not OutboxMail.objects.exists()


# The worker.


def test_worker_sends_due_mail_once_and_marks_it_sent():
    case = make_case()
    services.notify(case, Kind.REFERRED, readers("one", "two"))
    call_command("send_outbox")
    assert sorted(message.to[0] for message in django_mail.outbox) == [
        "one@example.org",
        "two@example.org",
    ]
    assert set(OutboxMail.objects.values_list("state", flat=True)) == {"sent"}
    call_command("send_outbox")
    assert len(django_mail.outbox) == 2


def test_retry_waits_twice_as_long_each_time_up_to_the_maximum():
    with override_settings(OUTBOX_RETRY_SECONDS=60, OUTBOX_RETRY_MAX_SECONDS=3600):
        delays = [services.retry_delay(n).total_seconds() for n in range(1, 9)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]


class FlakyServer:
    """An SMTP server (aiosmtpd) that refuses every message while `refusing`, then accepts."""

    def __init__(self):
        self.refusing = True
        self.received: list[tuple[list[str], str]] = []
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            self.refused += 1
            return "451 Requested action aborted: local error in processing"
        self.received.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = FlakyServer()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=5,
        ):
            yield handler
    finally:
        controller.stop()


def test_outbox_survives_a_mail_server_that_refuses_then_accepts(smtp_server):
    case = make_case()
    services.notify(case, Kind.REFERRED, readers("one", "two", "three"))
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=STOCKHOLM)
    OutboxMail.objects.update(next_attempt_at=start)

    with time_machine.travel(start, tick=False):
        assert services.send_due() == (0, 3)
        # Nothing is retried before its time.
        assert services.send_due() == (0, 0)
    assert smtp_server.refused == 3
    for mail in OutboxMail.objects.all():
        assert (mail.state, mail.attempts) == ("pending", 1)
        assert mail.next_attempt_at == start + dt.timedelta(seconds=60)
        assert "451" in mail.last_error

    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert services.send_due() == (0, 3)
    assert {mail.next_attempt_at for mail in OutboxMail.objects.all()} == {
        start + dt.timedelta(seconds=61 + 120)
    }

    smtp_server.refusing = False
    with time_machine.travel(start + dt.timedelta(seconds=200), tick=False):
        assert services.send_due() == (3, 0)
        assert services.send_due() == (0, 0)
    # Nothing lost, nothing twice.
    assert sorted(rcpt for rcpts, _body in smtp_server.received for rcpt in rcpts) == [
        "one@example.org",
        "three@example.org",
        "two@example.org",
    ]
    assert set(OutboxMail.objects.values_list("state", "attempts")) == {("sent", 3)}
    assert case.reference in smtp_server.received[0][1]


def test_a_mail_is_given_up_after_the_last_attempt_and_kept(smtp_server):
    services.notify(make_case(), Kind.REFERRED, readers("one"))
    with override_settings(OUTBOX_MAX_ATTEMPTS=2):
        assert services.send_due() == (0, 1)
        OutboxMail.objects.update(next_attempt_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        assert services.send_due() == (0, 1)
    mail = OutboxMail.objects.get()
    assert (mail.state, mail.attempts) == ("failed", 2)


# Two workers at once.

SENT: list[str] = []
SENT_LOCK = threading.Lock()


class SlowBackend:
    """A mail backend that takes its time and remembers what it sent (for the race)."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        time.sleep(0.02)
        with SENT_LOCK:
            SENT.extend(message.to[0] for message in messages)
        return len(messages)


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_one_mail_twice():
    names = [f"reader{n}" for n in range(12)]
    services.notify(make_case(), Kind.REFERRED, readers(*names))
    SENT.clear()
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(services.send_due())
        finally:
            connections.close_all()

    with override_settings(EMAIL_BACKEND=f"{__name__}.SlowBackend"):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(SENT) == sorted(f"{name}@example.org" for name in names)
    assert sum(sent for sent, _failed in results) == 12
    # Both took part (the lock skipped, not waited).
    assert all(sent for sent, _failed in results)
