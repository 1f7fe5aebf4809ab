"""The case's timeline as people read it: each step once, newest first, grouped by day, in
the reader's language.

Entries are stored as an action code, a note and parameters (`CaseEvent`); they are put into
words only here, when the page is shown: the action's words from the registry
(`registry.describe`), what the entry is about from the detail its app registered
(`registry.event_details`). Entries written before details existed stored a choice's label in
the language of whoever wrote them ("Signed application"): such a note is read back to the
choice and shown in the reader's language. Stored data is never rewritten.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from ampcase.accounts.models import RegionCode

from . import registry
from .events import WRITTEN_WITH_ANOTHER_STEP
from .models import CaseEvent, ConsentPurpose, Document, Person


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    words: str
    what: str  # what the entry is about; no personal data
    note: str  # a reason or a message: shown only to those who may see the identity


@functools.cache
def _choice_labels() -> dict[str, object]:
    """Every choice label of every model, in every language of the site -> the lazy label."""
    found: dict[str, object] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for _value, label in getattr(field, "flatchoices", None) or ():
                if not isinstance(label, str | Promise):
                    continue
                for language, _name in settings.LANGUAGES:
                    with translation.override(language):
                        found.setdefault(str(label), label)
    return found


def _label_of(note: str) -> str | None:
    """`note` read back as a choice label, in the reader's language; None if it is none."""
    label = _choice_labels().get(note.strip())
    return None if label is None else str(label)


def _choice(choices, key: str):
    """A detail that shows the choice stored under `key` (or, in older entries, as the note:
    its code or its label in any language)."""

    def detail(params: dict, note: str) -> tuple[str, str]:
        code = params.get(key) or note
        if code in choices.values:
            return str(choices(code).label), ""
        label = _label_of(note)
        return (label, "") if label is not None else ("", note)

    return detail


def region_name(code: str) -> str:
    return str(RegionCode(code).label) if code in RegionCode.values else code


OLD_TRANSFER = re.compile(r"^(?P<from>.+?) -> (?P<to>.+)$")


def _transfer(params: dict, note: str) -> tuple[str, str, str] | None:
    """(from which region, to which, the reason) of a transfer's entry (entries before
    reasons: "A -> B"); None if the entry says neither."""
    if "from" in params:
        return region_name(params["from"]), region_name(params["to"]), note
    if match := OLD_TRANSFER.match(note):
        return match["from"], match["to"], ""
    return None


def transfer_detail(params: dict, note: str) -> tuple[str, str]:
    """From which region to which, and the reason."""
    if (found := _transfer(params, note)) is None:
        return "", note
    origin, target, reason = found
    return _("from %(origin)s to %(target)s") % {"origin": origin, "target": target}, reason


def transfer_origin(params: dict, note: str) -> tuple[str, str]:
    """The region a transfer came from, and its reason."""
    if (found := _transfer(params, note)) is None:
        return "", note
    origin, _target, reason = found
    return origin, reason


def consultation_detail(params: dict, note: str) -> tuple[str, str]:
    """What IOM Finland was shown when the case was shared for a consultation."""
    if "identity" not in params:
        return "", note
    if params["identity"]:
        return _("with names and dates of birth, as consented"), note
    return _("under its pseudonym"), note


DETAILS = {
    "case.consultation_shared": consultation_detail,
    "consent.given": _choice(ConsentPurpose, "purpose"),
    "consent.withdrawn": _choice(ConsentPurpose, "purpose"),
    "document.uploaded": _choice(Document.Kind, "kind"),
    "person.created": _choice(Person.Relation, "relation"),
    "person.changed": _choice(Person.Relation, "relation"),
    "case.transferred": transfer_detail,
}


def _detail(event: CaseEvent) -> tuple[str, str]:
    detail = registry.event_detail(event.action)
    if detail is not None:
        return detail(event.params or {}, event.note)
    label = _label_of(event.note) if event.note else None
    return (label, "") if label is not None else ("", event.note)


# A step of another app that moves the case (the journey's departure) writes its own entry
# and the case's: within this time, by the same person, they are one step.
SAME_STEP = timedelta(minutes=1)


def _written_with_another_step(event: CaseEvent, events: list[CaseEvent]) -> bool:
    if event.action not in WRITTEN_WITH_ANOTHER_STEP:
        return False
    return any(
        other.actor_id == event.actor_id
        and other.action not in WRITTEN_WITH_ANOTHER_STEP
        and abs(other.at - event.at) <= SAME_STEP
        for other in events
    )


def days(events: list[CaseEvent], *, identity: bool) -> list[tuple[date, list[Entry]]]:
    """The entries of `events` (with their actors), newest first, one group per local day.
    A note holding free text is kept only with `identity`."""
    grouped: dict[date, list[Entry]] = {}
    ordered = sorted(events, key=lambda event: (event.at, event.id), reverse=True)
    for event in ordered:
        if _written_with_another_step(event, ordered):
            continue
        what, note = _detail(event)
        entry = Entry(
            at=event.at,
            actor=event.actor.display_name,
            words=registry.describe(event.action),
            what=what,
            note=note if identity else "",
        )
        grouped.setdefault(timezone.localdate(event.at), []).append(entry)
    return list(grouped.items())
