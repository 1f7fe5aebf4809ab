"""Shared fixtures: personas, and clients that are signed in with both factors."""

import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django_otp.oath import totp
from whitenoise.storage import CompressedManifestStaticFilesStorage

from ampcase.accounts.roles import Role
from tests.factories import TOTPDeviceFactory, make_user

# What axe-core found in the browser tests (tests/browser), printed at the end of the run. Under
# pytest-xdist each worker hands its count to the controller, which prints the sum.
AXE_REPORT = {"pages": 0, "violations": 0, "too_wide": 0}


def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["axe_report"] = AXE_REPORT


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    for key, count in getattr(node, "workeroutput", {}).get("axe_report", {}).items():
        AXE_REPORT[key] += count


def pytest_terminal_summary(terminalreporter):
    if AXE_REPORT["pages"]:
        terminalreporter.write_line(
            f"axe-core: {AXE_REPORT['pages']} page states checked at 1280 and 390 px, "
            f"{AXE_REPORT['violations']} violations, "
            f"{AXE_REPORT['too_wide']} too wide for a phone"
        )


def pytest_configure(config):
    from django.conf import settings

    # Real hashing costs a third of a second per password; the tests check logic, not cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client and the live server speak plain HTTP; production redirects to HTTPS
    # (tested with an override, and by `check --deploy` on the real settings). Set here, not
    # in a fixture: the live server builds its middleware once, when it starts.
    settings.SECURE_SSL_REDIRECT = False
    # Every test client builds the middleware anew, and WhiteNoise then reads every static
    # file's headers (about 800 files: two thirds of the time of a test that makes a client).
    # Looked up at each request instead, as under `make run`; production builds it once.
    settings.WHITENOISE_AUTOREFRESH = True


class ManifestStaticFilesWithoutCompression(CompressedManifestStaticFilesStorage):
    """Production's storage (WhiteNoise's manifest: hashed names, strict) without the gzip and
    brotli copies of every file: they took seconds per test process and are never served here."""

    def compress_files(self, paths):
        return iter(())


@pytest.fixture(scope="session", autouse=True)
def _collected_static(tmp_path_factory):
    """Production serves hashed static files from a manifest: so do the tests."""
    from django.conf import settings

    settings.STATIC_ROOT = tmp_path_factory.mktemp("static")
    storage = {"BACKEND": f"{__name__}.{ManifestStaticFilesWithoutCompression.__name__}"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": storage}):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the statistics keep their figures there): a
    test's rows never reach another test through it."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """A transaction around a whole test module, rolled back at the module's end. A
    module-scoped fixture that asks for it can make data once for all the module's tests
    (inside `django_db_blocker.unblock()`). Each test still runs in pytest-django's atomic
    block, now a savepoint inside this transaction: what a test changes is rolled back before
    the next test. Tests should load such data afresh (nothing cached on a shared object).
    Not for modules with `transaction=True` tests: those need to commit."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


# A module that makes its data once (`module_transaction`) names it in a fixture `matrix`:
# {"people": {persona: user id}, "cases": {kind: case id}, ...}. Each test loads the people and
# the cases afresh: nothing a test did to them in memory (a refreshed state, permissions
# cached on a user) reaches the next test.


@pytest.fixture
def people(matrix, db) -> dict:
    from ampcase.accounts.models import User

    users = User.objects.in_bulk(matrix["people"].values())
    return {name: users[pk] for name, pk in matrix["people"].items()}


@pytest.fixture
def cases(matrix, db) -> dict:
    from referrals.models import Case

    found = Case.objects.in_bulk(matrix["cases"].values())
    return {kind: found[pk] for kind, pk in matrix["cases"].items()}


def sign_in(client: Client, user) -> Client:
    """Sign `user` in as if they had passed the password and the code."""
    device = TOTPDeviceFactory(user=user)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    # As at login: signed in now, and the code given now.
    session["auth_at"] = session["verified_at"] = time.time()
    session.save()
    return client


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def coordinator(db):
    return make_user(Role.REGION_COORDINATOR, username="karin")


@pytest.fixture
def administrator(db):
    return make_persona("administrator")


@pytest.fixture
def referrer(db):
    return make_persona("referrer")


@pytest.fixture
def coordinator_client(coordinator):
    return sign_in(Client(), coordinator)


@pytest.fixture
def admin_client_2fa(administrator):
    return sign_in(Client(), administrator)


# Personas, as in STYLE.md: each test names the people it needs.


@pytest.fixture
def stockholm_coordinator(db):
    return make_persona("stockholm_coordinator")


@pytest.fixture
def syd_coordinator(db):
    return make_persona("syd_coordinator")


@pytest.fixture
def social_worker(db):
    return make_persona("social_worker")


@pytest.fixture
def other_social_worker(db):
    return make_persona("other_social_worker")


@pytest.fixture
def iom_caseworker(db):
    return make_persona("iom_caseworker")


@pytest.fixture
def iom_approver(iom_caseworker):
    return make_persona("iom_approver", iom_caseworker=iom_caseworker)


@pytest.fixture
def nigeria_office(db):
    return make_persona("nigeria_office")


@pytest.fixture
def national_coordinator(db):
    return make_persona("national_coordinator")


# Everyone the permission matrices try, by fixture name.
PERSONAS = [
    "stockholm_coordinator",
    "syd_coordinator",
    "social_worker",
    "other_social_worker",
    "iom_caseworker",
    "iom_approver",
    "nigeria_office",
    "referrer",
    "national_coordinator",
    "administrator",
]


def make_persona(name: str, *, iom_caseworker=None):
    """The persona `name`, as its fixture makes it. The IOM approver works in the IOM
    caseworker's organisation (the caseworker is made too if not given)."""
    from tests.factories import OrganisationFactory, coordination_office

    if name == "stockholm_coordinator":
        return make_user(
            Role.REGION_COORDINATOR, username="karin.sthlm", organisation=coordination_office()
        )
    if name == "syd_coordinator":
        return make_user(
            Role.REGION_COORDINATOR, username="sven.syd", organisation=coordination_office("syd")
        )
    if name == "social_worker":
        return make_user(Role.SOCIAL_WORKER, username="sara.soc")
    if name == "other_social_worker":
        return make_user(Role.SOCIAL_WORKER, username="olle.soc")
    if name == "iom_caseworker":
        return make_user(
            Role.IOM_CASEWORKER,
            username="aino.iom",
            organisation=OrganisationFactory(name="IOM Finland", kind="iom_finland"),
        )
    if name == "iom_approver":
        iom_caseworker = iom_caseworker or make_persona("iom_caseworker")
        return make_user(
            Role.IOM_APPROVER, username="mikko.iom", organisation=iom_caseworker.organisation
        )
    if name == "nigeria_office":
        return make_user(Role.COUNTRY_OFFICE, username="ngozi.iom")
    if name == "referrer":
        return make_user(Role.REFERRER, username="rami")
    if name == "national_coordinator":
        return make_user(Role.NATIONAL_COORDINATOR, username="eva.jam")
    if name == "administrator":
        return make_user(Role.ADMINISTRATOR, username="ada")
    raise ValueError(f"no persona {name!r}")


def make_personas() -> dict:
    """Everyone in PERSONAS, by name: for data that a module makes once (see
    tests/test_permission_matrix.py); tests otherwise ask for the fixtures."""
    people = {}
    for name in PERSONAS:
        people[name] = make_persona(name, iom_caseworker=people.get("iom_caseworker"))
    return people
