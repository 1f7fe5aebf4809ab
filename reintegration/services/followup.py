"""Follow-up after arrival (DESIGN.md section 7; the programme's guidance): IOM's office in the
destination country keeps in contact with the returnee at least monthly for the first six
months after arrival, and the risk of being trafficked again is highest in the first two
years. The arrival schedules the six required contacts; the office or IOM Finland add further
ones up to month 24. Dates count in the destination country's time zone.

A contact that reports signs of renewed exploitation or a threat puts the case in front of IOM
Finland and the region coordinator (their home queues) until a new version of the risk table
is completed.
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date, datetime
from importlib.resources import files
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from referrals import services as case_services
from referrals.models import CONTACT_ENDED, Case

from .. import permissions, question_sets
from ..models import (
    LAST_MONTH,
    LIVE_STATES,
    REQUIRED_MONTHS,
    FollowUp,
    Payment,
    QuestionSet,
    ReintegrationCheck,
    ReintegrationPlan,
)
from .support import SUPPORT_STATES, WAITING_PAYMENT_STATES, SupportError, support_open

FOLLOW_UP_FIELDS = (
    "done_on",
    "how",
    "housing",
    "health",
    "income",
    "safety",
    "threat",
    "support_received",
    "notes",
)


@functools.cache
def _zones() -> dict[str, str]:
    """Country code -> its first time zone in the tz database's `zone.tab`."""
    found: dict[str, str] = {}
    for line in (files("tzdata.zoneinfo") / "zone.tab").read_text().splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, zone, *_rest = line.split("\t")
            found.setdefault(code, zone)
    return found


def country_zone(country_code: str) -> ZoneInfo:
    """The time zone of a destination country (UTC for one the database does not know)."""
    return ZoneInfo(_zones().get(country_code.upper(), "UTC"))


def country_today(case: Case, now: datetime | None = None) -> date:
    """Today's date where the returnee lives now (the destination country)."""
    zone = country_zone(case.destination_country.code or "")
    return (now or timezone.now()).astimezone(zone).date()


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day where it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def schedule(case: Case, *, arrived_on: date) -> None:
    """The required contacts, one a month for the first six months after arrival (inside the
    arrival's transaction)."""
    FollowUp.objects.bulk_create(
        FollowUp(case=case, month=month, due_on=add_months(arrived_on, month))
        for month in range(1, REQUIRED_MONTHS + 1)
        if not FollowUp.objects.filter(case=case, month=month).exists()
    )


def _locked_case(case: Case, by) -> Case:
    locked = case_services.lock_case(case, by)
    if not support_open(locked):
        raise SupportError(case_services.now_in_state(locked))
    if not permissions.can_support(locked, by):
        raise case_services.Denied(locked, by, "follow_up")
    return locked


@case_services.service
def add_follow_up(case: Case, *, by, month: int) -> FollowUp:
    """A further contact after the first six months, up to month 24."""
    case = _locked_case(case, by)
    if not REQUIRED_MONTHS < month <= LAST_MONTH:
        raise SupportError(
            _("Further contacts are for months %(first)s to %(last)s after arrival.")
            % {"first": REQUIRED_MONTHS + 1, "last": LAST_MONTH}
        )
    if FollowUp.objects.filter(case=case, month=month).exists():
        raise SupportError(_("A contact for that month is already planned."))
    arrived_on = ReintegrationPlan.objects.get(case=case).arrived_on
    follow_up = FollowUp.objects.create(
        case=case, month=month, due_on=add_months(arrived_on, month)
    )
    case_services.log_event(case, by, "follow_up.added", f"month {month}", audit_note=True)
    return follow_up


@case_services.service
def record_follow_up(follow_up: FollowUp, *, by, **fields) -> FollowUp:
    """Record a contact (or correct its record): when and how, the returnee's situation, and
    whether there are signs of renewed exploitation or threats."""
    case = _locked_case(follow_up.case, by)
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk, case=case)
    done_on = fields["done_on"]
    arrived_on = ReintegrationPlan.objects.get(case=case).arrived_on
    if done_on < arrived_on:
        raise SupportError(_("A follow-up cannot be dated before the arrival."))
    if done_on > country_today(case):
        raise SupportError(_("A follow-up cannot be dated in the future."))
    first_record = locked.done_on is None
    for name in FOLLOW_UP_FIELDS:
        setattr(locked, name, fields.get(name, getattr(locked, name)))
    locked.recorded_by = by
    locked.recorded_at = timezone.now()
    locked.save()
    action = "follow_up.recorded" if first_record else "follow_up.changed"
    case_services.log_event(case, by, action, f"month {locked.month}", audit_note=True)
    if locked.threat:
        case_services.log_event(
            case, by, "follow_up.threat_reported", f"month {locked.month}", audit_note=True
        )
    return locked


MONTH_NOTE = re.compile(r"^month (?P<month>\d+)$")


def month_detail(params: dict, note: str) -> tuple[str, str]:
    """The timeline's words for a follow-up entry, whose note is "month 3" or "baseline"
    (written so, in English, for the audit trail too): in the reader's language."""
    if note == "baseline":
        return _("at the baseline"), ""
    if match := MONTH_NOTE.match(note):
        return _("month %(month)s after arrival") % {"month": match["month"]}, ""
    return "", note


def overdue(case: Case, follow_ups: list[FollowUp], now: datetime | None = None) -> list:
    today = country_today(case, now)
    return [f for f in follow_ups if not f.done and f.due_on < today]


# Conditions of closing a case (registered in apps.py).


def follow_ups_done(case: Case, outcome: str) -> list[str]:
    """In reintegration, the six monthly contacts are done first, unless the outcome is one
    that ended the contact (lost contact, moved on, died, withdrew)."""
    if case.state not in SUPPORT_STATES or outcome in CONTACT_ENDED:
        return []
    missing = list(
        FollowUp.objects.filter(case=case, month__lte=REQUIRED_MONTHS, done_on__isnull=True)
        .order_by("month")
        .values_list("month", flat=True)
    )
    if not missing:
        return []
    return [
        ngettext(
            "The follow-up of month %(months)s after arrival is not done yet.",
            "The follow-ups of months %(months)s after arrival are not done yet.",
            len(missing),
        )
        % {"months": ", ".join(str(month) for month in missing)}
    ]


def payments_settled(case: Case, outcome: str) -> list[str]:
    """No payment may still wait for a decision or to be paid out."""
    waiting = Payment.objects.filter(case=case, state__in=WAITING_PAYMENT_STATES).count()
    if not waiting:
        return []
    return [
        ngettext(
            "%(count)s payment still waits to be decided or paid out: decide, pay or cancel it.",
            "%(count)s payments still wait to be decided or paid out: decide, pay or cancel them.",
            waiting,
        )
        % {"count": waiting}
    ]


def journey_ended(case: Case, outcome: str) -> list[str]:
    """A case that has not arrived closes only after its journey was cancelled or failed."""
    if case.state in SUPPORT_STATES:
        return []
    if case.travel_plans.filter(state__in=LIVE_STATES).exists():
        return [_("The journey is still planned or under way: cancel it or report the incident.")]
    return []


# The reintegration check.


def load_question_set(definition: dict) -> tuple[QuestionSet, bool]:
    """Keep a new version of a question set (`question_sets.parse` says what is wrong with a
    bad one). The same version again, unchanged, is no change; with other content, refused:
    answers recorded with a version must always read the same."""
    spec = question_sets.parse(definition)
    existing = QuestionSet.objects.filter(code=spec.code, version=spec.version).first()
    if existing is not None:
        if existing.definition != definition:
            raise question_sets.QuestionSetError(
                [
                    f"Version {spec.version} of {spec.code!r} is loaded already, with other "
                    "content: give the new one a new version."
                ]
            )
        return existing, False
    return QuestionSet.objects.create(
        code=spec.code, version=spec.version, definition=definition
    ), True


def ensure_question_set(sender=None, using: str = "default", **kwargs) -> None:
    """Put back the interim question set when there is none (after a test database's flush,
    as for the programme's rates)."""
    if not QuestionSet.objects.using(using).exists():
        load_question_set(question_sets.read(question_sets.INTERIM))


def current_question_set() -> QuestionSet:
    """The set new checks answer: the one loaded last."""
    return QuestionSet.objects.order_by("-loaded_at", "-id").first()


@case_services.service
def record_check(
    case: Case, *, by, done_on: date, answers: dict, follow_up: FollowUp | None = None
) -> ReintegrationCheck:
    """Record a reintegration check, at the baseline (no `follow_up`) or at a follow-up:
    the answers as raw codes, with the question set they answer."""
    case = _locked_case(case, by)
    if follow_up is not None and follow_up.case_id != case.pk:
        raise SupportError(_("This follow-up is not part of this case."))
    arrived_on = ReintegrationPlan.objects.get(case=case).arrived_on
    if done_on < arrived_on:
        raise SupportError(_("A check cannot be dated before the arrival."))
    if done_on > country_today(case):
        raise SupportError(_("A check cannot be dated in the future."))
    question_set = current_question_set()
    problems = question_sets.answer_problems(question_sets.parse(question_set.definition), answers)
    if problems:
        raise SupportError(_("The answers do not fit the questions."), problems)
    check, created = ReintegrationCheck.objects.update_or_create(
        case=case,
        follow_up=follow_up,
        defaults={
            "question_set": question_set,
            "done_on": done_on,
            "answers": answers,
            "recorded_by": by,
            "recorded_at": timezone.now(),
        },
    )
    where = f"month {follow_up.month}" if follow_up else "baseline"
    case_services.log_event(case, by, "check.recorded", where, audit_note=True)
    return check
