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
