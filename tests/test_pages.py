"""Home page by role, language switch, and error pages without personal data."""

import pytest
from django.test import Client
from django.urls import path, reverse

from ampcase.accounts.roles import Role
from tests.conftest import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("secret personal detail: Åsa Öberg 1990-01-01")


urlpatterns = [path("boom/", _boom)]
handler500 = "ampcase.views.server_error"


@pytest.mark.parametrize("role", list(Role))
def test_home_page_shows_the_users_role(role):
    client = sign_in(Client(), make_user(role))
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert str(Role(role).label) in response.content.decode()


def test_home_page_is_in_swedish_by_default(coordinator_client):
    response = coordinator_client.get(reverse("home"))
    assert '<html lang="sv">' in response.content.decode()
    assert "Mitt arbete" in response.content.decode()


def test_language_switch_changes_the_language(coordinator_client):
    response = coordinator_client.post(
        reverse("set_language"), {"language": "en", "next": reverse("home")}
    )
    assert response.status_code == 302
    page = coordinator_client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in page
    assert "My work" in page


def test_navigation_shows_administration_only_to_administrators(coordinator_client, administrator):
    assert reverse("admin:index") not in coordinator_client.get(reverse("home")).content.decode()
    admin_page = sign_in(Client(), administrator).get(reverse("home")).content.decode()
    assert reverse("admin:index") in admin_page


def test_unknown_page_is_a_plain_404(coordinator_client):
    response = coordinator_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Traceback" not in response.content.decode()


def test_server_error_shows_no_detail(coordinator, settings):
    settings.ROOT_URLCONF = __name__
    client = sign_in(Client(raise_request_exception=False), coordinator)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Åsa" not in body and "RuntimeError" not in body and "Traceback" not in body


def test_missing_csrf_token_is_refused_and_recorded(coordinator):
    from ampcase.audit.models import AuditEvent

    client = sign_in(Client(enforce_csrf_checks=True), coordinator)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="access.csrf_failed", actor=coordinator).exists()
    # Still signed in: the forged request changed nothing.
    assert client.get(reverse("home")).status_code == 200


def test_unknown_page_is_the_apps_own_404_even_with_debug_on(coordinator_client, settings):
    # `make run` sets DEBUG: Django's debug 404 would list every URL pattern of the site.
    settings.DEBUG = True
    response = coordinator_client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    body = response.content.decode()
    assert "<h1>Page not found</h1>" in body
    assert "URLconf" not in body and "urlpatterns" not in body


def test_a_views_404_is_the_apps_own_page_with_debug_on(coordinator_client, settings):
    settings.DEBUG = True
    missing = reverse("referrals:case", args=["00000000-0000-0000-0000-000000000000"])
    response = coordinator_client.get(missing, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()
    assert "Raised by" not in response.content.decode()


def test_the_debug_404_middleware_is_left_out_of_the_chain_without_debug(settings):
    # Production pays nothing for it: Django drops a middleware that raises MiddlewareNotUsed.
    from django.core.exceptions import MiddlewareNotUsed

    from ampcase.lib.middleware import OwnNotFoundPageMiddleware

    settings.DEBUG = False
    with pytest.raises(MiddlewareNotUsed):
        OwnNotFoundPageMiddleware(lambda request: None)
