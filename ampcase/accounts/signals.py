"""Failed logins and lockouts go into the audit trail."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from ampcase import audit


def _known_user(username: str | None):
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # An unknown user name is not written down: people type passwords into that field.
    user = _known_user(credentials.get("username"))
    if credentials.get("second_factor"):
        audit.record(request, "auth.code_failed", user, credentials["second_factor"], actor=user)
    else:
        summary = "" if user else "unknown user name"
        audit.record(request, "auth.login_failed", user, summary, actor=user)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def record_locked_out(sender, request=None, username=None, **kwargs) -> None:
    user = _known_user(username)
    audit.record(request, "auth.locked_out", user, "" if user else "unknown user name", actor=user)
