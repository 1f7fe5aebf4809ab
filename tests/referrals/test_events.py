"""Every timeline entry reads as words on the case page, whichever app wrote it."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from referrals.models import CaseEvent, CaseState
from referrals.registry import _EVENT_LABELS as EVENT_LABELS
from referrals.registry import describe
from tests.conftest import sign_in
from tests.factories import make_case

ROOT = Path(__file__).resolve().parents[2]
# The services write timeline entries through `log_event(...)`, `_run(...)`,
# `run_transition(...)`, `advance(...)` or `_plan_step(...)` with the action as a string literal.
WRITTEN = re.compile(
    r"""(?:log_event|_run|run_transition|advance|_plan_step)\([^)]*?"([a-z_]+\.[a-z_]+)\"""",
    re.S,
)


def _actions_written_by_services() -> set[str]:
    found = set()
    for app in ("referrals", "risk", "reintegration"):
        for path in [*(ROOT / app).glob("services.py"), *(ROOT / app).glob("services/*.py")]:
            found |= set(WRITTEN.findall(path.read_text()))
    return found


def test_the_scan_finds_actions_of_every_app():
    actions = _actions_written_by_services()
    assert {"case.submitted", "risk_table.completed", "travel.booked"} <= actions


def test_every_action_a_service_writes_has_words():
    missing = {a for a in _actions_written_by_services() if a not in EVENT_LABELS}
    # Decisions are written as f"case.{outcome}": their three outcomes are listed too.
    assert missing == set()
    assert {"case.approved", "case.rejected", "case.changes_requested"} <= set(EVENT_LABELS)


def test_an_action_is_described_in_the_users_language():
    with translation.override("sv"):
        assert describe("travel.booked") != "travel.booked"
        assert describe("travel.booked") != "marked the journey as booked"


@pytest.mark.django_db
def test_case_page_shows_the_words_not_the_code(stockholm_coordinator, client):
    case = make_case(CaseState.PREPARING)
    CaseEvent.objects.create(case=case, action="risk_row.added", actor=stockholm_coordinator)
    sign_in(client, stockholm_coordinator)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("referrals:case", args=[case.uuid])).content.decode()
    assert "added a risk" in page
    assert "risk_row.added" not in page
