from datetime import date

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def is_minor(born: date | None) -> bool:
    if born is None:
        return False
    today = timezone.localdate()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age < 18
