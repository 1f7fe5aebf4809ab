"""Writing notifications and their mail, building daily digests, sending the outbox.

`notify` is called inside the transaction of the change it tells of (see `events`): the
notifications and the mail commit with the change or roll back with it. The worker
(`manage.py send_outbox`) then sends what is due, one mail per transaction with its row
locked (`FOR UPDATE SKIP LOCKED`), so that two workers never send one mail twice; a failure
is retried with exponential back-off until `OUTBOX_MAX_ATTEMPTS`.

A mail carries the case reference, the kind of event and a link to sign in: never a name, a
birth date or any text written on the case.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from referrals.models import Case

from .kinds import Kind
from .models import MailChoice, MailPreference, Notification, OutboxMail


def absolute(path: str) -> str:
    return urljoin(settings.SITE_URL, path)


def render_event_mail(kind: str, reference: str, link: str, language: str) -> tuple[str, str]:
    """(subject, body) of the mail telling of one event, in `language`. Only the reference,
    the kind of event and links: nothing else reaches the template."""
    with translation.override(language):
        event = str(Kind(kind).label)
        subject = _("ÅMP Case: %(event)s (%(reference)s)") % {
            "event": event,
            "reference": reference,
        }
        body = render_to_string(
            "notifications/mail/event.txt",
            {
                "event": event,
                "reference": reference,
                "link": link,
                "settings_link": absolute(reverse("notifications:settings")),
            },
        )
    return subject, body


def render_digest_mail(items: list[tuple[str, str]], language: str) -> tuple[str, str]:
    """(subject, body) of a daily digest of `items`, (kind, case reference) each."""
    with translation.override(language):
        lines = [(str(Kind(kind).label), reference) for kind, reference in items]
        subject = _("ÅMP Case: %(count)s new notifications") % {"count": len(lines)}
        body = render_to_string(
            "notifications/mail/digest.txt",
            {
                "lines": lines,
                "link": absolute(reverse("notifications:list")),
                "settings_link": absolute(reverse("notifications:settings")),
            },
        )
    return subject, body


def notify(
    case: Case, kind: str, recipients: QuerySet, params: dict | None = None
) -> list[Notification]:
    """Tell each of `recipients` (a queryset of users) of `kind` on `case`: a notification
    each, and a mail for those who want one for every event. Call it inside the transaction
    of the change. `params` holds codes only, never personal data."""
    Kind(kind)  # Refuses a kind nobody can word.
    preference = MailPreference.objects.filter(user=OuterRef("pk"))
    rows = recipients.annotate(
        mail_choice=Coalesce(Subquery(preference.values("mail")[:1]), Value(MailChoice.EVERY)),
        mail_language=Coalesce(
            Subquery(preference.values("language")[:1]), Value(settings.LANGUAGE_CODE)
        ),
    ).values_list("pk", "email", "mail_choice", "mail_language")
    now = timezone.now()
    notifications, mails = [], []
    for user_id, email, choice, language in rows:
        notification = Notification(
            uuid=uuid.uuid4(),
            recipient_id=user_id,
            case=case,
            kind=kind,
            params=params or {},
            created_at=now,
            digest=bool(email) and choice == MailChoice.DIGEST,
        )
        notifications.append(notification)
        if email and choice == MailChoice.EVERY:
            link = absolute(reverse("notifications:open", args=[notification.uuid]))
            subject, body = render_event_mail(kind, case.reference, link, language)
            mail = OutboxMail(
                recipient_id=user_id,
                language=language,
                subject=subject,
                body=body,
                created_at=now,
                next_attempt_at=now,
            )
            mails.append(mail)
            notification.mail = mail
    OutboxMail.objects.bulk_create(mails)
    # Each notification takes its mail's id, now that the mail has one.
    return Notification.objects.bulk_create(notifications)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )


def mark_all_read(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# Daily digests.


def digest_cutoff(now: datetime) -> datetime:
    """The latest digest moment at or before `now`: `NOTIFICATION_DIGEST_HOUR` o'clock, local
    time. A digest tells what happened before it: one mail a day."""
    local = timezone.localtime(now)
    moment = local.replace(
        hour=settings.NOTIFICATION_DIGEST_HOUR, minute=0, second=0, microsecond=0
    )
    if moment > local:
        moment -= timedelta(days=1)
    return moment


def build_digests(now: datetime | None = None) -> int:
    """Write one mail for each user with notifications waiting for their daily digest from
    before the last digest moment. Returns how many mails were written. Rows another worker
    is building are skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        waiting = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(digest=True, mail__isnull=True, created_at__lt=digest_cutoff(now))
            .select_related("case")
            .order_by("recipient_id", "created_at", "id")
        )
        if not waiting:
            return 0
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for notification in waiting:
            by_user[notification.recipient_id].append(notification)
        preferences = MailPreference.objects.in_bulk(list(by_user))
        written = 0
        for user_id, items in by_user.items():
            preference = preferences.get(user_id)
            ids = [item.pk for item in items]
            if preference is not None and preference.mail == MailChoice.NONE:
                # Switched mail off since: nothing more is sent.
                Notification.objects.filter(pk__in=ids).update(digest=False)
                continue
            language = preference.language if preference else settings.LANGUAGE_CODE
            subject, body = render_digest_mail(
                [(item.kind, item.case.reference) for item in items], language
            )
            mail = OutboxMail.objects.create(
                recipient_id=user_id,
                language=language,
                subject=subject,
                body=body,
                created_at=now,
                next_attempt_at=now,
            )
            Notification.objects.filter(pk__in=ids).update(mail=mail)
            written += 1
        return written


# Sending.


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: doubling from OUTBOX_RETRY_SECONDS,
    never more than OUTBOX_RETRY_MAX_SECONDS."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def _due(now: datetime):
    return (
        OutboxMail.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(state=OutboxMail.State.PENDING, next_attempt_at__lte=now)
        .select_related("recipient")
        .order_by("next_attempt_at", "id")
    )


def send_due(limit: int = 500) -> tuple[int, int]:
    """Send the mails that are due, at most `limit`: (sent, failed). Each mail is sent in its
    own transaction with its row locked until it is marked sent, so that another worker skips
    it; a mail whose send fails waits longer each time, and is given up after
    OUTBOX_MAX_ATTEMPTS attempts (it stays in the outbox, marked failed)."""
    sent = failed = 0
    connection = get_connection()
    try:
        for _n in range(limit):
            with transaction.atomic():
                now = timezone.now()
                mail = _due(now).first()
                if mail is None:
                    break
                message = EmailMessage(
                    mail.subject,
                    mail.body,
                    settings.DEFAULT_FROM_EMAIL,
                    [mail.recipient.email],
                    connection=connection,
                    headers={"Auto-Submitted": "auto-generated"},
                )
                mail.attempts += 1
                try:
                    if not mail.recipient.email:
                        raise ValueError("The recipient has no e-mail address.")
                    message.send()
                except Exception as error:
                    # The connection may be half-open after a failure: start anew next time.
                    connection.close()
                    mail.last_error = f"{type(error).__name__}: {error}"[:500]
                    if mail.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                        mail.state = OutboxMail.State.FAILED
                    else:
                        mail.next_attempt_at = now + retry_delay(mail.attempts)
                    failed += 1
                else:
                    mail.state = OutboxMail.State.SENT
                    mail.sent_at = timezone.now()
                    mail.last_error = ""
                    sent += 1
                mail.save(
                    update_fields=["attempts", "state", "sent_at", "next_attempt_at", "last_error"]
                )
    finally:
        connection.close()
    return sent, failed


def run_once(now: datetime | None = None) -> tuple[int, int, int]:
    """One pass of the worker: (digests written, mails sent, sends failed). Overdue follow-ups
    are told first, so that their mail goes out in the same pass."""
    from .events import follow_ups_overdue

    follow_ups_overdue(now)
    digests = build_digests(now)
    sent, failed = send_due()
    return digests, sent, failed
