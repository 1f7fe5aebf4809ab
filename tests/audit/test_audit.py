"""The audit trail: the one recording function, append-only storage, read-only browsing."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from ampcase import audit
from ampcase.accounts.roles import Role
from ampcase.audit.models import AuditEvent
from tests.conftest import sign_in
from tests.factories import AuditEventFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_record_takes_actor_organisation_object_and_address_from_the_request(coordinator):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    request.user = coordinator
    organisation = OrganisationFactory()
    event = audit.record(request, "organisation.viewed", organisation, "opened")
    event.refresh_from_db()
    assert event.actor == coordinator
    assert event.organisation == coordinator.organisation
    assert event.object_type == "accounts.organisation"
    assert event.object_id == str(organisation.pk)
    assert event.ip_address == "192.0.2.7"
    assert event.summary == "opened"


def test_record_without_a_request_names_the_actor_explicitly(coordinator):
    event = audit.record(None, "case.submitted", actor=coordinator)
    assert event.actor == coordinator
    assert event.ip_address is None


def test_forwarded_address_is_ignored_without_a_trusted_proxy(coordinator, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="6.6.6.6")
    request.user = coordinator
    assert audit.record(request, "x.happened").ip_address == "192.0.2.7"


def test_forwarded_address_is_taken_from_the_trusted_proxy(coordinator, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4"
    )
    request.user = coordinator
    assert audit.record(request, "x.happened").ip_address == "198.51.100.4"


def test_database_refuses_to_update_an_audit_row():
    event = AuditEventFactory()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE audit_auditevent SET summary = 'rewritten' WHERE id = %s", [event.pk]
        )
    event.refresh_from_db()
    assert event.summary == "nothing personal"


def test_database_refuses_to_delete_an_audit_row():
    event = AuditEventFactory()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_orm_save_of_an_existing_row_is_refused_too():
    event = AuditEventFactory()
    event.summary = "rewritten"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    event.refresh_from_db()
    assert event.summary == "nothing personal"


@pytest.fixture
def admin_client(administrator):
    from django.test import Client

    return sign_in(Client(), administrator)


def test_administrator_can_browse_and_filter_the_trail(admin_client, coordinator):
    AuditEventFactory(actor=coordinator, action="auth.login")
    AuditEventFactory(actor=coordinator, action="auth.login_failed")
    url = reverse("admin:audit_auditevent_changelist")
    response = admin_client.get(url, {"action": "auth.login_failed"})
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [row.action for row in rows] == ["auth.login_failed"]


def test_the_trail_cannot_be_changed_through_the_admin(admin_client):
    event = AuditEventFactory()
    assert admin_client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    admin_client.post(change, {"summary": "rewritten"})
    event.refresh_from_db()
    assert event.summary == "nothing personal"


def test_other_roles_cannot_see_the_trail(coordinator_client):
    response = coordinator_client.get(reverse("admin:audit_auditevent_changelist"), follow=True)
    assert response.status_code == 403


def test_permission_denial_is_recorded(coordinator_client, coordinator):
    coordinator_client.get(reverse("admin:index"), follow=True)
    event = AuditEvent.objects.get(action="access.denied")
    assert event.actor == coordinator
    assert event.summary == "admin:login"


def test_audit_rows_written_in_a_failed_transaction_are_rolled_back_with_it(coordinator):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(None, "case.submitted", actor=coordinator)
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.filter(action="case.submitted").exists()


def test_administrator_is_given_roles_only_their_organisation_can_hold(admin_client):
    police = OrganisationFactory(name="Polisen Syd")
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new.coordinator",
            "first_name": "Ny",
            "last_name": "Användare",
            "email": "ny@example.org",
            "organisation": police.pk,
            "groups": [_group_id(Role.REGION_COORDINATOR)],
            "password1": "a long enough pass phrase",
            "password2": "a long enough pass phrase",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "groups": ["The role “Region coordinator” cannot be held in “Polisen Syd”."]
    }
    from ampcase.accounts.models import User

    assert not User.objects.filter(username="new.coordinator").exists()


def test_administrator_adds_a_user_with_a_role(admin_client):
    from ampcase.accounts.models import User

    police = OrganisationFactory(name="Polisen Syd")
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new.referrer",
            "first_name": "Ny",
            "last_name": "Användare",
            "email": "ny@example.org",
            "organisation": police.pk,
            "groups": [_group_id(Role.REFERRER)],
            "password1": "a long enough pass phrase",
            "password2": "a long enough pass phrase",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new.referrer")
    assert user.roles == {Role.REFERRER}
    assert not user.is_staff
    assert AuditEvent.objects.filter(action="user.created", object_id=str(user.pk)).exists()


def test_reset_two_factor_removes_the_users_devices(admin_client, administrator, coordinator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import TOTPDeviceFactory

    TOTPDeviceFactory(user=coordinator)
    admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [coordinator.pk]},
    )
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert AuditEvent.objects.filter(
        action="user.two_factor_reset", actor=administrator, object_id=str(coordinator.pk)
    ).exists()


def _group_id(role):
    from django.contrib.auth.models import Group

    return Group.objects.get(name=role).pk
