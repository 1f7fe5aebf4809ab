"""Failed logins and lockouts go into the audit trail; scope groups follow roles."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from ampcase import audit

from .models import Organisation, User
from .roles import Role
from .scopes import sync_scope_groups


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


# Scope groups follow roles and organisations (see scopes.py).
@receiver(post_save, sender=User, dispatch_uid="scope_after_user_save")
def sync_scopes_after_user_save(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        sync_scope_groups(instance)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="scope_after_roles_change")
def sync_scopes_after_roles_change(sender, instance, action, pk_set=None, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "post_clear"} or not isinstance(instance, User):
        return
    if pk_set and action != "post_clear":
        changed = Group.objects.filter(pk__in=pk_set, name__in=Role.values).exists()
        if not changed:
            return  # only scope groups changed: this is sync_scope_groups itself
    sync_scope_groups(instance)


@receiver(post_save, sender=Organisation, dispatch_uid="scope_after_organisation_save")
def sync_scopes_after_organisation_save(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        for user in instance.users.all():
            sync_scope_groups(user)
