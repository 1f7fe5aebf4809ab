"""Demo risk tables and children's assessments, made through the risk services: completed
for every demo case that goes on to submission, a draft for the one being prepared. Fictional
content only. Called by `ampcase/demo.py`."""

from __future__ import annotations

from referrals.demo import a_pdf
from referrals.models import Case

from . import services

ROWS = [
    (
        "home",
        "traffickers",
        "The network that recruited her operates in her home town.",
        3,
        4,
        "Reception at the airport; housing in another town.",
        "IOM country office",
    ),
    (
        "arrival",
        "stigma",
        "Neighbours may learn why she left.",
        2,
        2,
        "Agreed cover story; counselling.",
        "IOM country office",
    ),
    (
        "sweden",
        "health",
        "Needs medicine during the journey.",
        2,
        3,
        "Medicine for three months packed; escort informed.",
        "Social services",
    ),
]
FIELDS = ("where", "threat", "description", "likelihood", "impact", "mitigation", "responsible")


def assess(case: Case, *, by, complete: bool) -> None:
    """The risk table (completed and signed by `by` if asked) and, for every child, the child
    risk and protection assessment with the written best-interests assessment."""
    for row in ROWS:
        services.add_row(case, by=by, **dict(zip(FIELDS, row, strict=True)))
    for child in services.children_to_assess(case):
        services.save_child_assessment(
            child,
            by=by,
            best_interests=a_pdf(),
            situation_in_sweden="Lives with the mother at a shelter; goes to preschool.",
            life_on_return="Will live with the mother and the grandmother.",
            needs_and_wishes="Wants to keep drawing; needs a preschool place.",
            relatives_involved=False,
            honour_violence=False,
        )
    if complete:
        services.complete_table(case, by=by)
