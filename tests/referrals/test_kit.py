"""The case-page kit's own parts: the PDF language, the buttons of confirmed steps."""

import pytest
from django.test import RequestFactory

from referrals.kit import pdf_language, step_actions
from referrals.models import CaseState
from referrals.views import DECISIONS, ENDINGS, STEPS, WITHDRAW
from tests.factories import make_case


@pytest.mark.parametrize(
    ("asked", "given"), [("en", "en"), ("sv", "sv"), ("fi", "sv"), ("", "sv"), (None, "sv")]
)
def test_a_pdf_is_in_the_language_asked_for_or_else_swedish(asked, given):
    query = {} if asked is None else {"lang": asked}
    assert pdf_language(RequestFactory().get("/x.pdf", query)) == given


def _labels(case, user, steps=(WITHDRAW, *DECISIONS)) -> list[str]:
    return [label for _url, label in step_actions(case, steps, user)]


@pytest.mark.django_db
def test_a_submitted_case_offers_iom_its_decisions_and_the_coordinator_the_withdrawal(
    iom_caseworker, stockholm_coordinator
):
    case = make_case(CaseState.SUBMITTED)
    assert _labels(case, iom_caseworker) == [str(step.label) for step in DECISIONS]
    assert _labels(case, stockholm_coordinator) == [str(WITHDRAW.label)]


@pytest.mark.django_db
def test_a_case_in_transit_offers_no_decision_and_no_withdrawal(
    iom_caseworker, stockholm_coordinator
):
    case = make_case(CaseState.IN_TRANSIT)
    assert _labels(case, iom_caseworker) == []
    assert _labels(case, stockholm_coordinator) == []


@pytest.mark.django_db
def test_iom_finland_may_close_a_case_in_reintegration_and_reopen_a_closed_one(
    iom_caseworker, stockholm_coordinator
):
    arrived = make_case(CaseState.REINTEGRATION)
    closed = make_case(CaseState.CLOSED)
    assert _labels(arrived, iom_caseworker, STEPS) == [str(ENDINGS[0].label)]
    assert _labels(closed, iom_caseworker, STEPS) == [str(ENDINGS[1].label)]
    assert _labels(arrived, stockholm_coordinator, STEPS) == []
