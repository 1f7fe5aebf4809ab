"""The case-page kit's own parts: the PDF language, the buttons of confirmed steps."""

import pytest
from django.test import RequestFactory

from referrals.kit import pdf_language, step_actions
from referrals.models import CaseState
from referrals.views import DECISIONS, STEPS, WITHDRAW
from tests.factories import make_case


@pytest.mark.parametrize(
    ("asked", "given"), [("en", "en"), ("sv", "sv"), ("fi", "sv"), ("", "sv"), (None, "sv")]
)
def test_a_pdf_is_in_the_language_asked_for_or_else_swedish(asked, given):
    query = {} if asked is None else {"lang": asked}
    assert pdf_language(RequestFactory().get("/x.pdf", query)) == given


def _labels(case, user) -> list[str]:
    return [label for _url, label in step_actions(case, STEPS, user)]


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
