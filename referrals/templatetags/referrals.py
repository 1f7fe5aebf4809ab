from datetime import date

from django import template
from django.utils import timezone

from referrals import registry
from referrals.models import ADULT_AGE, age_on

register = template.Library()


@register.filter
def is_minor(born: date | None) -> bool:
    return born is not None and age_on(born, timezone.localdate()) < ADULT_AGE


@register.filter
def event_label(action: str) -> str:
    return registry.describe(action)


@register.filter
def get_item(mapping: dict, key):
    """`mapping[key]`, or None: for a dict a view passes by id."""
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def risk_table_url(context, case) -> str:
    """Where the user reads the case's risk table, or "" when they may not."""
    request = context.get("request")
    if request is None:
        return ""
    found = registry.risk_reading_link(case, request.user)
    return found[0] if found else ""
