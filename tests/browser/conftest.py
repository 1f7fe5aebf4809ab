"""Playwright driving Debian's Chromium against the live server, with axe-core on every page.

Browsers cannot be downloaded here: the system Chromium is launched directly. axe-core comes
from the npm package (`npm ci`) and is injected with `page.evaluate`, which the app's strict
Content-Security-Policy allows where a script tag would be blocked.
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import AXE_REPORT

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    if not AXE.exists():
        pytest.fail("axe-core not found: run `npm ci`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_settings(settings):
    # The live server speaks plain HTTP on localhost.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.LANGUAGE_COOKIE_SECURE = False
    # The live server serves static files from the finders, not from the hashed manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return settings


@pytest.fixture
def page(browser, live_server, browser_settings):
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    page = context.new_page()
    # The last responses, for the message of a failed wait (see expect_path).
    page.responses = []
    page.on("response", lambda r: page.responses.append(f"{r.status} {r.request.method} {r.url}"))
    page.set_default_timeout(10_000)
    yield page
    context.close()


# A desktop, and a phone held upright (390 CSS pixels: the common iPhones since the 12), the
# narrowest screen on which the offices abroad read their cases.
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# The pages of the running test that scroll sideways on the phone, each with its width. A walk
# records them all and fails at its end (pytest_runtest_call), so that one run names every page.
TOO_WIDE: list[str] = []

# How wide the page is, and the outermost elements that stick out past the window's right edge.
MEASURE_WIDTH = """() => {
  const limit = window.innerWidth;
  // Inside a box that scrolls by itself, unless positioned outside of it (an absolute
  // element escapes every box up to its containing block, the nearest positioned one).
  const clipped = el => {
    let absolute = getComputedStyle(el).position === "absolute";
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      const contains = !absolute || style.position !== "static";
      if (contains && style.overflowX !== "visible") return true;
      if (style.position !== "static") absolute = style.position === "absolute";
    }
    return false;
  };
  const out = new Set([...document.querySelectorAll("body *")].filter(
    el => el.getBoundingClientRect().right > limit + 0.5 && !clipped(el)));
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map(c => "." + c).join("");
  const outermost = [...out].filter(el => !out.has(el.parentElement)).slice(0, 3).map(name);
  return {width: document.documentElement.scrollWidth, limit, out: outermost};
}"""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a walk that passed through pages too wide for a phone, naming each of them."""
    TOO_WIDE.clear()
    result = yield
    if TOO_WIDE:
        pytest.fail(
            f"{len(TOO_WIDE)} page states scroll sideways on a phone:\n" + "\n".join(TOO_WIDE),
            pytrace=False,
        )
    return result


def _settled(page, run):
    """`run()` (scripts evaluated in the page) on a page that has finished loading. A click
    that navigates returns before the next page is there: evaluated in between, a script meets
    a document being replaced. Wait for the load and run once more."""
    from playwright.sync_api import Error as PlaywrightError

    page.wait_for_load_state()
    try:
        return run()
    except PlaywrightError as error:
        replaced = ("context was destroyed", "of null", "axe is not defined")
        if not any(sign in str(error) for sign in replaced):
            raise
        page.wait_for_load_state()
        return run()


def run_axe(page) -> None:
    """Run axe-core on the page as it is now; fail on any WCAG 2.1 A/AA violation."""

    def axe():
        page.evaluate(AXE.read_text())
        return page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )

    result = _settled(page, axe)
    AXE_REPORT["violations"] += len(result["violations"])
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert not problems, f"axe on {page.url} at {page.viewport_size['width']} px:\n" + "\n".join(
        problems
    )


def check_accessibility(page) -> None:
    """Check the page as it is now at a desktop's width and at a phone's: axe-core finds no
    WCAG 2.1 A/AA violation at either, and on the phone the page does not scroll sideways (a
    wide table scrolls inside its own region, never the page)."""
    AXE_REPORT["pages"] += 1
    viewport = page.viewport_size
    page.set_viewport_size(DESKTOP)
    run_axe(page)
    page.set_viewport_size(PHONE)
    run_axe(page)
    measured = _settled(page, lambda: page.evaluate(MEASURE_WIDTH))
    if measured["width"] > measured["limit"]:
        AXE_REPORT["too_wide"] += 1
        TOO_WIDE.append(
            f"{page.url}: {measured['width']} px wide on a {measured['limit']} px phone"
            f" (sticking out: {', '.join(measured['out']) or '?'})"
        )
    page.set_viewport_size(viewport)


def expect_path(page, path: str) -> None:
    """Wait for the browser to be exactly at `path` (a query string is allowed). On failure,
    say where the browser is, what it shows and which responses led there."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_url(re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$"))
    except PlaywrightTimeout:
        shown = page.locator("main").inner_text()[:500] if page.locator("main").count() else ""
        trail = "\n".join(getattr(page, "responses", [])[-12:])
        pytest.fail(f"expected {path}, at {page.url}\nshows: {shown}\nresponses:\n{trail}")


# The people of the journeys abroad, with names a screen shows.
JOURNEY_PEOPLE = {
    "aino": ("iom_caseworker", "Aino", "Virtanen", "IOM Finland", "iom_finland"),
    "mikko": ("iom_approver", "Mikko", "Laine", "IOM Finland", "iom_finland"),
    "ngozi": ("country_office", "Ngozi", "Eze", "IOM Nigeria", "iom_country_office"),
}


def journey_user(username: str):
    """Aino (IOM Finland's caseworker), Mikko (its approver) or Ngozi (IOM Nigeria)."""
    from ampcase.accounts.models import Organisation
    from tests.factories import OrganisationFactory, make_user

    role, first, last, organisation, kind = JOURNEY_PEOPLE[username]
    found = Organisation.objects.filter(name=organisation).first()
    return make_user(
        role,
        username=username,
        first_name=first,
        last_name=last,
        organisation=found or OrganisationFactory(name=organisation, kind=kind),
    )
