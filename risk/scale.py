"""The risk scale and the level matrix, in one place.

Likelihood and impact are each scored 1–4; the level of a risk is read from the matrix below
(not computed by a formula, so that the programme can change any cell on its own). The
overall level of a table is the highest level among its rows.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from referrals.models import RiskLevel


class Likelihood(models.IntegerChoices):
    UNLIKELY = 1, _("Unlikely")
    POSSIBLE = 2, _("Possible")
    LIKELY = 3, _("Likely")
    ALMOST_CERTAIN = 4, _("Almost certain")


class Impact(models.IntegerChoices):
    MINOR = 1, _("Minor")
    MODERATE = 2, _("Moderate")
    SERIOUS = 3, _("Serious")
    SEVERE = 4, _("Severe")


# The levels are the case root's (a case keeps the level of its latest completed table).
Level = RiskLevel


L, M, H = Level.LOW, Level.MEDIUM, Level.HIGH

# MATRIX[likelihood][impact]
MATRIX: dict[int, dict[int, Level]] = {
    Likelihood.UNLIKELY: {Impact.MINOR: L, Impact.MODERATE: L, Impact.SERIOUS: M, Impact.SEVERE: M},
    Likelihood.POSSIBLE: {Impact.MINOR: L, Impact.MODERATE: M, Impact.SERIOUS: M, Impact.SEVERE: H},
    Likelihood.LIKELY: {Impact.MINOR: M, Impact.MODERATE: M, Impact.SERIOUS: H, Impact.SEVERE: H},
    Likelihood.ALMOST_CERTAIN: {
        Impact.MINOR: M,
        Impact.MODERATE: H,
        Impact.SERIOUS: H,
        Impact.SEVERE: H,
    },
}


def level(likelihood: int, impact: int) -> Level:
    """The level of one risk. Raises ValueError outside the scale."""
    if likelihood not in Likelihood.values or impact not in Impact.values:
        raise ValueError(f"likelihood {likelihood!r} and impact {impact!r} must be 1 to 4")
    return MATRIX[likelihood][impact]


def overall(levels) -> Level | None:
    """The highest level, or None for a table without rows."""
    levels = list(levels)
    return max(levels) if levels else None
