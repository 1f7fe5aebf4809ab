"""Notifications, the mail outbox and each user's choice of mail.

A change writes its notifications and their mail in its own transaction (`services.notify`),
so that a change never happens without them and a rolled-back change leaves none. The worker
(`manage.py send_outbox`) sends the outbox later, retrying with back-off.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import Kind


class MailChoice(models.TextChoices):
    EVERY = "every", _("An e-mail for every event")
    DIGEST = "digest", _("One e-mail a day with the day's events")
    NONE = "none", _("No e-mail (notifications in the app only)")


class MailPreference(models.Model):
    """What mail a user wants, and in which language. A user without a row gets every event,
    in the site's default language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="mail_preference",
    )
    mail = models.CharField(
        _("e-mail"), max_length=10, choices=MailChoice.choices, default=MailChoice.EVERY
    )
    language = models.CharField(
        _("language of the e-mail"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    class Meta:
        verbose_name = _("mail preference")
        verbose_name_plural = _("mail preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(mail__in=MailChoice.values), name="mail_preference_choice_is_known"
            ),
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="mail_preference_language_is_known",
            ),
        ]


class OutboxMail(models.Model):
    """One mail to send. Written in the transaction of the change it tells of; the address is
    read when it is sent, so that a corrected address is used."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Given up")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outbox_mails"
    )
    language = models.CharField(max_length=10)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")
        indexes = [
            # The worker's one question: which mails are due now?
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(state="pending"),
                name="outbox_due_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "sent", "failed"]),
                name="outbox_state_is_known",
            ),
            # Sent exactly when it has the moment it was sent.
            models.CheckConstraint(
                condition=(Q(state="sent") & Q(sent_at__isnull=False))
                | (~Q(state="sent") & Q(sent_at__isnull=True)),
                name="outbox_sent_has_sent_at",
            ),
            models.CheckConstraint(condition=~Q(subject=""), name="outbox_has_subject"),
        ]


class Notification(models.Model):
    """Something a user must know of, on a case. `params` holds codes only, never personal
    data: it is worded at display time, in the reader's language."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        "referrals.Case", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)
    # To be told in the recipient's daily digest (they chose it when this was written);
    # `mail` is the mail that told it, once there is one.
    digest = models.BooleanField(default=False)
    mail = models.ForeignKey(
        OutboxMail,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list_idx"),
            # The bell: a user's unread ones.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # The digest builder: what still waits for a digest.
            models.Index(
                fields=["created_at"],
                condition=Q(digest=True, mail__isnull=True),
                name="notification_digest_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="notification_kind_is_known"
            ),
            models.CheckConstraint(
                condition=Q(read_at__isnull=True) | Q(read_at__gte=models.F("created_at")),
                name="notification_read_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case.reference}"

    @property
    def detail(self) -> str:
        """What the params add, in the reader's language ("" for most kinds). Shown in the
        app only: the mail says no more than the kind."""
        if self.kind == Kind.DEPARTED and self.params.get("flight"):
            return _("Flight %(flight)s, landing at %(airport)s %(lands)s (local time)") % {
                "flight": self.params["flight"],
                "airport": self.params.get("airport", ""),
                "lands": self.params.get("lands", ""),
            }
        if self.kind == Kind.FOLLOW_UP_OVERDUE and self.params.get("month"):
            return _("The contact of month %(month)s was due on %(due)s") % {
                "month": self.params["month"],
                "due": self.params.get("due", ""),
            }
        return ""
