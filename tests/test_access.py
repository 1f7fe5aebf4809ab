"""Every URL the project serves needs both factors: walk the URL resolver, list nothing by hand."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ampcase.accounts.middleware import OPEN_VIEWS
from ampcase.accounts.models import User
from ampcase.accounts.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# Fixed values: a random UUID in the test ids would make pytest-xdist's workers collect
# different tests (and refuse to run).
SAMPLE = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "uuid": "6f1c3a52-8d4e-4b7a-9c0f-2e5d7b8a9c10",
    "path": "x",
}


def _concrete(pattern) -> str | None:
    """A path matching a resolver pattern, with sample values for its arguments."""
    route = getattr(pattern.pattern, "_route", None)
    if route is not None:
        for name, converter in pattern.pattern.converters.items():
            kind = {
                "IntConverter": "int",
                "UUIDConverter": "uuid",
                "SlugConverter": "slug",
                "PathConverter": "path",
            }.get(type(converter).__name__, "str")
            route = route.replace(f"<{kind}:{name}>", SAMPLE[kind]).replace(f"<{name}>", "x")
        return route
    # A regex pattern (the admin uses a few): fill groups with a sample id.
    import re

    regex = pattern.pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")
    regex = re.sub(r"\(\?P<\w+>[^)]*\)", "1", regex)
    if any(c in regex for c in "()[]*+?\\"):
        return None
    return regex


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        part = _concrete(entry)
        if part is None:
            continue
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, prefix + part, ns)
        elif isinstance(entry, URLPattern):
            yield prefix + part, f"{namespace}{entry.name}" if entry.name else None


ALL_URLS = sorted(set(_walk(get_resolver().url_patterns)))
PROTECTED = [(path, name) for path, name in ALL_URLS if name not in OPEN_VIEWS]


def test_the_walk_finds_the_project_and_the_admin():
    names = {name for _path, name in ALL_URLS}
    assert {"home", "admin:index", "admin:audit_auditevent_changelist"} <= names
    assert len(PROTECTED) > 20


@pytest.mark.parametrize(("path", "name"), PROTECTED)
def test_anonymous_visitor_is_sent_to_login(client, path, name):
    for method in (client.get, client.post):
        response = method("/" + path)
        assert response.status_code == 302, (name, path)
        assert response["Location"].startswith(reverse("accounts:login") + "?next="), name


@pytest.fixture(scope="module")
def superuser_pk(module_transaction, django_db_blocker):
    """One superuser for the module's many paths (see `module_transaction`)."""
    with django_db_blocker.unblock():
        return make_user(Role.ADMINISTRATOR, is_superuser=True).pk


@pytest.mark.parametrize(("path", "name"), PROTECTED)
def test_password_only_session_is_sent_to_login(superuser_pk, path, name):
    user = User.objects.get(pk=superuser_pk)
    client = Client()
    client.force_login(user)  # logged in, but no second factor
    response = client.get("/" + path)
    assert response.status_code == 302, (name, path)
    assert response["Location"].startswith(reverse("accounts:login") + "?next="), name
    # The half-login is ended, not kept.
    assert "_auth_user_id" not in client.session
