"""The kinds of notification: a code stored on each row, and its words in the reader's language.

The words hold no personal data: a notification, its page and its mail name the case by its
reference and say what happened, nothing more.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REFERRED = "referred", _("New referral")
    SUBMITTED = "submitted", _("Submitted to IOM Finland")
    RESUBMITTED = "resubmitted", _("Submitted again after changes")
    APPROVED = "approved", _("Return approved")
    REJECTED = "rejected", _("Return rejected")
    CHANGES_REQUESTED = "changes_requested", _("IOM Finland asks for changes")
    APPROVED_FOR_TRAVEL = "approved_for_travel", _("Return approved: plan the journey")
    APPROVED_FOR_RECEPTION = "approved_for_reception", _("Return approved: prepare the reception")
    DEPARTED = "departed", _("Returnee has departed: arrival expected")
    INCIDENT = "incident", _("Incident on the journey")
    RISK_TABLE_COMPLETED = "risk_table_completed", _("Risk table completed")
    PAYMENT_REQUESTED = "payment_requested", _("Payment to approve")
    PAYMENT_APPROVED = "payment_approved", _("Payment approved: pay it out")
    FOLLOW_UP_OVERDUE = "follow_up_overdue", _("Follow-up overdue")
