"""A person signs in for the first time, sets up their authenticator app, lands on their
home page and switches language; a returning user signs in with a code."""

from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import expect

from ampcase.accounts.roles import Role
from tests.browser.conftest import check_accessibility, expect_path
from tests.conftest import current_code
from tests.factories import PASSWORD, TOTPDeviceFactory, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def code_for_secret(secret: str) -> str:
    key = b32decode(secret.replace(" ", ""))
    return f"{totp(key):06d}"


def sign_in_with_password(page, username: str, password: str = PASSWORD) -> None:
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Fortsätt").click()


def test_first_login_enrols_the_app_and_switches_language(page):
    make_user(Role.REGION_COORDINATOR, username="karin", first_name="Karin", last_name="Åberg")

    page.goto(reverse("home"))
    expect_path(page, reverse("accounts:login"))
    check_accessibility(page)

    page.get_by_label("Användarnamn").fill("karin")
    page.get_by_label("Lösenord").fill("wrong password")
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_accessibility(page)

    sign_in_with_password(page, "karin")
    expect_path(page, reverse("accounts:enrol"))
    expect(page.locator(".qr svg")).to_be_visible()
    check_accessibility(page)

    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Kod från din autentiseringsapp").fill(code_for_secret(secret))
    page.get_by_role("button", name="Bekräfta").click()

    expect_path(page, reverse("accounts:backup-codes"))
    assert page.locator("#backup-codes li").count() == 10
    # The print button, hidden without scripts, shows once its script has run.
    expect(page.locator("button[data-print]")).to_be_visible()
    check_accessibility(page)
    # Printed, the page shows the codes and nothing else.
    page.emulate_media(media="print")
    expect(page.locator("#backup-codes")).to_be_visible()
    for elsewhere in ["header", "footer", "h1", "button[data-print]"]:
        expect(page.locator(elsewhere).first).to_be_hidden()
    page.emulate_media(media="screen")
    page.get_by_role("button", name="Jag har sparat dem").click()

    expect_path(page, reverse("home"))
    assert page.get_by_role("heading", level=1).inner_text() == "Mitt arbete"
    assert "Karin Åberg" in page.locator("header").inner_text()
    check_accessibility(page)

    page.get_by_role("button", name="English").click()
    expect_path(page, reverse("home"))
    assert page.get_by_role("heading", level=1).inner_text() == "My work"
    assert page.locator("html").get_attribute("lang") == "en"
    check_accessibility(page)

    page.get_by_role("button", name="Sign out").click()
    expect_path(page, reverse("accounts:login"))


def test_returning_user_signs_in_with_a_code_after_a_wrong_one(page):
    user = make_user(Role.IOM_CASEWORKER, username="aino")
    device = TOTPDeviceFactory(user=user)

    page.goto(reverse("accounts:login"))
    sign_in_with_password(page, "aino")
    expect_path(page, reverse("accounts:verify"))
    check_accessibility(page)

    wrong = "000000" if current_code(device) != "000000" else "111111"
    page.get_by_label("Kod från din autentiseringsapp").fill(wrong)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_accessibility(page)

    # Wrong codes are throttled for a moment; lift that as time would.
    device.refresh_from_db()
    device.throttle_reset()
    page.get_by_label("Kod från din autentiseringsapp").fill(current_code(device))
    page.get_by_role("button", name="Logga in").click()
    expect_path(page, reverse("home"))
    check_accessibility(page)


def test_keyboard_user_can_skip_to_the_content(page):
    page.goto(reverse("accounts:login"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hoppa till huvudinnehållet")
    assert skip.evaluate("el => el === document.activeElement")
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    check_accessibility(page)
