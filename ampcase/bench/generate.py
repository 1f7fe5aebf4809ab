"""Realistic cases in bulk, deterministic for a seed (`manage.py generate_cases`).

Each case is first given its state, region, destination and the moments of its story (from
the referral to where it is now), so that states have plausible proportions and the open
ones are recent. The cases are then numbered in the order they were referred, like
`Case.allocate_reference`, and written in batches with every row the services would have
made on the way: the returnee and children, the consent ledger, the screening, the
decisions, the journeys, the reintegration plan with its budget and payments, the
follow-ups, the timeline, and the object permissions `referrals.grants` would give.
Audit events and risk tables are not made (the case keeps its risk level).
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import translation

from ampcase.accounts import scopes
from ampcase.accounts.models import Organisation, Region
from ampcase.lib import fsm
from ampcase.lib.money import quantize
from ampcase.lib.text import fold
from referrals import grants
from referrals.models import (
    CONTACT_ENDED,
    COUNTRY_OFFICE_STATES,
    FINAL_STATES,
    REFERENCE_PREFIX,
    Case,
    CaseCounter,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseOutcome,
    CaseState,
    CaseUserObjectPermission,
    Consent,
    ConsentPurpose,
    Decision,
    EligibilityAssessment,
    Exploitation,
    Person,
)
from referrals.permissions import DECIDE, IDENTITY, STATUS, VIEW, WORK
from reintegration.models import (
    Category,
    ContactWay,
    Contract,
    Entitlement,
    FollowUp,
    Payee,
    Payment,
    PaymentState,
    ProgrammePeriod,
    Provider,
    ProviderKind,
    ReintegrationPlan,
    SupportService,
    TravelPlan,
    TravelState,
)
from reintegration.services.followup import add_months

from . import people, writer
from .names import CURRENCIES, LANGUAGES, names_for

S = CaseState
UTC = dt.UTC
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
START = dt.datetime(2019, 1, 1, tzinfo=UTC)

# 30 destination countries; a few dominate, as in the programme's reports.
COUNTRY_WEIGHTS = {
    "RO": 20, "NG": 15, "BG": 10, "TH": 8, "UA": 7, "HU": 4, "PL": 3, "VN": 3, "CN": 3,
    "MD": 2, "AL": 2, "ER": 1.5, "SO": 1.5, "AF": 1.5, "IQ": 1.5, "SY": 1, "MN": 1, "UG": 1,
    "KE": 1, "GH": 1, "BR": 1, "CO": 1, "PH": 1, "RS": 1, "LT": 1, "LV": 0.5, "SK": 1,
    "MA": 0.5, "DZ": 0.5, "EE": 0.5,
}  # fmt: skip
COUNTRIES = list(COUNTRY_WEIGHTS)

# Where cases are now. Open states are few and recent; most cases have ended.
STATE_WEIGHTS = {
    S.REFERRED: 0.6,
    S.SCREENING: 1.2,
    S.PREPARING: 2.5,
    S.SUBMITTED: 0.8,
    S.APPROVED: 1.2,
    S.IN_TRANSIT: 0.05,
    S.REINTEGRATION: 6,
    S.INELIGIBLE: 12,
    S.REJECTED: 3.5,
    S.WITHDRAWN: 14,
    S.CLOSED: 58,
}
# With at least this many cases, each state appears at least once.
EVERY_STATE_FROM = len(CaseState.values)

WITHDRAWN_FROM = {S.REFERRED: 20, S.SCREENING: 30, S.PREPARING: 35, S.SUBMITTED: 5, S.APPROVED: 10}
CLOSED_FROM = {S.REINTEGRATION: 92, S.APPROVED: 6, S.IN_TRANSIT: 2}
OUTCOMES_AFTER_REINTEGRATION = {
    CaseOutcome.COMPLETED: 72,
    CaseOutcome.LOST_CONTACT: 11,
    CaseOutcome.MOVED_ON: 8,
    CaseOutcome.WITHDREW: 5,
    CaseOutcome.TRAFFICKED_AGAIN: 3,
    CaseOutcome.DIED: 0.5,
}
RISK_WEIGHTS = {1: 50, 2: 35, 3: 15}
BASIS = {
    EligibilityAssessment.Basis.TRAFFICKING_IDENTIFIED: 35,
    EligibilityAssessment.Basis.TRAFFICKING_PRESUMED: 40,
    EligibilityAssessment.Basis.PROSTITUTION: 25,
}
EXPLOITATION = {
    Exploitation.SEXUAL: 60,
    Exploitation.FORCED_LABOUR: 25,
    Exploitation.BEGGING: 8,
    Exploitation.CRIMINALITY: 5,
    Exploitation.OTHER: 2,
}

# The steps of a case's story, in order; each has an offset from the referral.
ORDER = (
    "screen",
    "assess",
    "consent_iom",
    "submit1",
    "changes",
    "submit",
    "decide",
    "plan",
    "book",
    "depart",
    "arrive",
)
# The last step a case in each state (or withdrawn or closed from it) can have reached.
LAST_STEP = {
    S.REFERRED: None,
    S.SCREENING: "screen",
    S.INELIGIBLE: "assess",
    S.PREPARING: "consent_iom",
    S.SUBMITTED: "submit",
    S.APPROVED: "book",
    S.REJECTED: "decide",
    S.IN_TRANSIT: "depart",
    S.REINTEGRATION: "arrive",
}
# Open states: the step that enters them and the step that would leave them.
STAGE = {
    S.REFERRED: (None, "screen"),
    S.SCREENING: ("screen", "assess"),
    S.PREPARING: ("assess", "submit1"),
    S.SUBMITTED: ("submit", "decide"),
    S.APPROVED: ("decide", "depart"),
    S.IN_TRANSIT: ("depart", "arrive"),
    S.REINTEGRATION: ("arrive", "close"),
}


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=UUIDS.getrandbits(128), version=4)


# UUIDs from their own generator, seeded with the seed and the first free case id: the same
# seed on an empty database gives the same rows; a second run never repeats a UUID.
UUIDS = random.Random()  # noqa: S311  (made-up data, no secret: reproducible by design)


@dataclass
class Skeleton:
    """A case's state and the moments of its story, before any row is made."""

    state: str
    region: str
    country: str
    off: dict[str, dt.timedelta]
    horizon: dt.timedelta  # how far the story has gone (now, or when it ended)
    created_at: dt.datetime = START
    withdrawn_from: str = ""
    closed_from: str = ""
    outcome: str = ""
    reference: str = ""
    submitted: bool = False
    consultation_shared: bool = False


def _offsets(rng: random.Random, outcome: str) -> dict[str, dt.timedelta]:
    u = rng.uniform
    off = {"screen": u(1, 10) * DAY}
    off["assess"] = off["screen"] + u(5, 30) * DAY
    off["consent_iom"] = off["assess"] + u(1, 14) * DAY
    off["submit1"] = off["consent_iom"] + u(7, 60) * DAY
    if rng.random() < 0.15:  # IOM Finland asks for changes once
        off["changes"] = off["submit1"] + u(3, 20) * DAY
        off["submit"] = off["changes"] + u(5, 30) * DAY
    else:
        off["submit"] = off["submit1"]
    off["decide"] = off["submit"] + u(2, 21) * DAY
    off["plan"] = off["decide"] + u(1, 7) * DAY
    off["book"] = off["plan"] + u(5, 30) * DAY
    off["depart"] = off["book"] + u(3, 21) * DAY
    off["arrive"] = off["depart"] + u(6, 40) * HOUR
    # A case closes once the six months of follow-up are done, unless contact ended.
    if outcome not in CONTACT_ENDED:
        off["close"] = off["arrive"] + u(200, 420) * DAY
    else:
        off["close"] = off["arrive"] + u(45, 330) * DAY
    return off


def skeleton(rng: random.Random, state: str, now: dt.datetime) -> Skeleton:
    region = _pick(rng, people.REGION_WEIGHTS)
    country = _pick(rng, COUNTRY_WEIGHTS)
    withdrawn_from = closed_from = outcome = ""
    if state == S.WITHDRAWN:
        withdrawn_from = _pick(rng, WITHDRAWN_FROM)
    elif state == S.CLOSED:
        closed_from = _pick(rng, CLOSED_FROM)
        if closed_from == S.REINTEGRATION:
            outcome = _pick(rng, OUTCOMES_AFTER_REINTEGRATION)
        elif closed_from == S.APPROVED:
            outcome = _pick(rng, {CaseOutcome.NEVER_TRAVELLED: 8, CaseOutcome.WITHDREW: 2})
        else:
            outcome = _pick(
                rng,
                {
                    CaseOutcome.NEVER_TRAVELLED: 5,
                    CaseOutcome.LOST_CONTACT: 3,
                    CaseOutcome.TRAFFICKED_AGAIN: 1,
                },
            )
    off = _offsets(rng, outcome)
    zero = dt.timedelta(0)
    if state in STAGE:  # open: somewhere inside its stage, now
        enter, leave = STAGE[state]
        start = off[enter] if enter else zero
        horizon = start + rng.random() * (off[leave] - start)
        created_at = now - horizon
    else:
        if state == S.WITHDRAWN:
            enter, leave = STAGE[withdrawn_from]
            start = off[enter] if enter else zero
            horizon = start + rng.random() * (off[leave] - start)
        elif state == S.INELIGIBLE:
            horizon = off["assess"]
        elif state == S.REJECTED:
            horizon = off["decide"]
        elif closed_from == S.APPROVED:  # the journey was cancelled, then the case closed
            off["cancel"] = off["plan"] + rng.random() * (off["depart"] - off["plan"])
            off["close"] = off["cancel"] + rng.uniform(3, 30) * DAY
            horizon = off["close"]
        elif closed_from == S.IN_TRANSIT:  # an incident on the way
            off["incident"] = off["depart"] + rng.uniform(1, 5) * HOUR
            off["close"] = off["incident"] + rng.uniform(5, 60) * DAY
            horizon = off["close"]
        else:
            horizon = off["close"]
        # More referrals every year: the density of referral dates grows linearly.
        span = now - horizon - START
        created_at = START + span * (rng.random() ** 0.5) if span > zero else now - horizon
    off["withdraw"] = horizon
    return Skeleton(
        state=state,
        region=region,
        country=country,
        off=off,
        horizon=horizon,
        created_at=created_at,
        withdrawn_from=withdrawn_from,
        closed_from=closed_from,
        outcome=outcome,
    )


def skeletons(rng: random.Random, count: int, now: dt.datetime) -> list[Skeleton]:
    """Every case's state and story, in the order they were referred, with references."""
    states = rng.choices(list(STATE_WEIGHTS), weights=list(STATE_WEIGHTS.values()), k=count)
    if count >= EVERY_STATE_FROM:
        states[: len(CaseState.values)] = CaseState.values
    made = [skeleton(rng, state, now) for state in states]
    made.sort(key=lambda s: s.created_at)
    counters = dict(CaseCounter.objects.values_list("year", "last_number"))
    for item in made:
        year = item.created_at.year
        counters[year] = counters.get(year, 0) + 1
        item.reference = f"{REFERENCE_PREFIX}-{year}-{counters[year]:04d}"
    return made


@dataclass
class Context:
    """What every case's rows point at: ids of regions, groups, permissions and users."""

    now: dt.datetime
    staff: people.Staff
    regions: dict[str, int]
    region_groups: dict[str, int]
    iom_group: int
    country_groups: dict[str, int]
    perms: dict[str, int]
    periods: list[tuple[dt.date, int, dict[str, tuple[Decimal, int | None]]]]
    providers: dict[tuple[str, str], tuple[int, int | None]]  # (country, use) -> ids
    pseudonyms: dict[str, str]
    decide_states: frozenset[str] = field(default_factory=frozenset)


def _context(now: dt.datetime) -> Context:
    staff = people.staff()
    regions = dict(Region.objects.values_list("code", "pk"))
    periods = []
    for period in ProgrammePeriod.objects.prefetch_related("rates").order_by("starts_on"):
        rates = {rate.category: (rate.amount, rate.months) for rate in period.rates.all()}
        periods.append((period.starts_on, period.pk, rates))
    pseudonyms = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            pseudonyms[language] = str(Case.PSEUDONYM)
    return Context(
        now=now,
        staff=staff,
        regions=regions,
        region_groups={r.code: scopes.region_group(r).pk for r in Region.objects.all()},
        iom_group=scopes.iom_finland_group().pk,
        country_groups={code: scopes.country_group(code).pk for code in COUNTRIES},
        perms=dict(grants._permission_ids()),
        periods=periods,
        providers=_providers(staff),
        pseudonyms=pseudonyms,
        decide_states=frozenset(fsm.sources(Case.approve)),
    )


def _providers(staff: people.Staff) -> dict[tuple[str, str], tuple[int, int | None]]:
    """A clinic and a training centre in each destination country, the centre with a
    contract for the reintegration grants (its committed sum is set at the end)."""
    from ampcase.accounts.models import User

    creator = User.objects.get(pk=staff.iom_caseworkers[0])
    found = {}
    for country in COUNTRIES:
        clinic, _ = Provider.objects.get_or_create(
            country=country,
            name=f"Clinic {country}{people.MARK}",
            defaults={"kind": ProviderKind.CLINIC, "created_by": creator},
        )
        centre, _ = Provider.objects.get_or_create(
            country=country,
            name=f"Training centre {country}{people.MARK}",
            defaults={"kind": ProviderKind.TRAINING, "created_by": creator},
        )
        contract, _ = Contract.objects.get_or_create(
            provider=centre,
            what="Vocational training and start-up kits",
            defaults={
                "starts_on": dt.date(2019, 1, 1),
                "ends_on": dt.date(2035, 12, 31),
                "ceiling": Decimal("900000000.00"),
                "created_by": creator,
            },
        )
        found[(country, "medical")] = (clinic.pk, None)
        found[(country, "grant")] = (centre.pk, contract.pk)
    return found


class Tables:
    """The tables written, in an order that respects their foreign keys."""

    def __init__(self, now):
        models = (
            Case,
            Person,
            Consent,
            EligibilityAssessment,
            Decision,
            TravelPlan,
            ReintegrationPlan,
            Entitlement,
            Payment,
            FollowUp,
            CaseEvent,
            CaseGroupObjectPermission,
            CaseUserObjectPermission,
        )
        self.all = [writer.Table(model, now) for model in models]
        (
            self.case,
            self.person,
            self.consent,
            self.eligibility,
            self.decision,
            self.travel,
            self.support,
            self.entitlement,
            self.payment,
            self.follow_up,
            self.event,
            self.group_perm,
            self.user_perm,
        ) = self.all

    def flush(self, use_copy: bool) -> None:
        for table in self.all:
            table.flush(use_copy)


def case_grants(
    ctx: Context, sk: Skeleton, referred_by: int, social_worker: int | None, consents: dict
) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """`referrals.grants.desired_grants` for a case not yet written (the test compares)."""
    groups: dict[int, set[str]] = defaultdict(set)
    users: dict[int, set[str]] = defaultdict(set)
    region = ctx.region_groups[sk.region]
    groups[region] |= {VIEW, IDENTITY}
    if sk.state not in FINAL_STATES:
        groups[region].add(WORK)
    users[referred_by].add(STATUS)
    if social_worker:
        users[social_worker] |= {VIEW, IDENTITY}
    if sk.consultation_shared or sk.submitted:
        groups[ctx.iom_group].add(VIEW)
        if consents.get(ConsentPurpose.IOM_FINLAND):
            groups[ctx.iom_group].add(IDENTITY)
        if sk.state in ctx.decide_states:
            groups[ctx.iom_group].add(DECIDE)
    if sk.country and sk.state in COUNTRY_OFFICE_STATES:
        office = ctx.country_groups[sk.country]
        groups[office].add(VIEW)
        if consents.get(ConsentPurpose.IOM_DESTINATION):
            groups[office].add(IDENTITY)
    return groups, users


def _period(ctx: Context, day: dt.date):
    starts = [p[0] for p in ctx.periods]
    index = bisect_right(starts, day) - 1
    return ctx.periods[max(index, 0)]


class CaseMaker:
    """Writes the rows of one case into the tables."""

    def __init__(self, rng: random.Random, ctx: Context, tables: Tables):
        self.rng = rng
        self.ctx = ctx
        self.t = tables
        self.today = ctx.now.date()
        self.voucher = 0

    def make(self, sk: Skeleton) -> None:  # noqa: C901, PLR0912, PLR0915
        rng, ctx, t = self.rng, self.ctx, self.t
        staff = ctx.staff
        created = sk.created_at
        at = {name: created + offset for name, offset in sk.off.items()}
        last = LAST_STEP[sk.withdrawn_from or sk.closed_from or sk.state]
        if sk.closed_from == S.APPROVED:
            last = "book"
        reached = set()
        if last:
            for step in ORDER:
                if step in sk.off and sk.off[step] <= sk.horizon:
                    reached.add(step)
                if step == last:
                    break
        end = created + sk.horizon
        coordinator = rng.choice(staff.coordinators[sk.region])
        iom = rng.choice(staff.iom_caseworkers)
        if rng.random() < 0.8 and staff.referrers.get(sk.region):
            referred_by, org = rng.choice(staff.referrers[sk.region])
        else:
            referred_by, org = coordinator, staff.coordinator_orgs[sk.region]
        events = []  # (at, action, from, to, actor, note, params)

        def event(when, action, actor, from_state="", to_state="", note="", params=None):
            events.append((when, action, from_state, to_state, actor, note, params or {}))

        # The case's own moments.
        submitted = "submit" in reached
        sk.submitted = submitted
        shared = None
        if "screen" in reached and rng.random() < 0.1:
            limit = at.get("assess", end)
            shared = at["screen"] + rng.random() * (limit - at["screen"])
            if shared > end:
                shared = None
        sk.consultation_shared = shared is not None
        social_worker = None
        workers = staff.social_workers.get(sk.region)
        if "screen" in reached and workers and rng.random() < 0.5:
            social_worker = rng.choice(workers)
        risk = None
        if submitted or ("assess" in reached and sk.state == S.PREPARING and rng.random() < 0.5):
            risk = _pick(rng, RISK_WEIGHTS)
        number = sk.reference.rsplit("-", 1)[-1]
        language = "sv" if rng.random() < 0.85 else "en"
        case_id = t.case.add(
            uuid=_uuid(rng),
            reference=sk.reference,
            pseudonym=ctx.pseudonyms.get(language, "Returnee %(number)s") % {"number": number},
            region_id=ctx.regions[sk.region],
            state=sk.state,
            destination_country=sk.country,
            referred_by_id=referred_by,
            referring_organisation_id=org,
            social_worker_id=social_worker,
            consultation_shared_at=shared,
            submitted_at=at["submit"] if submitted else None,
            submitted_by_id=coordinator if submitted else None,
            risk_level=risk,
            outcome=sk.outcome,
            outcome_note="",
            closed_at=at["close"] if sk.state == S.CLOSED else None,
            closed_from=sk.closed_from,
            withdrawn_on=end.date() if sk.state == S.WITHDRAWN else None,
            withdrawal_reason="The returnee chose to stay." if sk.state == S.WITHDRAWN else "",
            created_at=created,
            updated_at=end,
        )

        # The returnee and any children.
        women, men, families = names_for(sk.country)
        nationality = sk.country if rng.random() < 0.92 else _pick(rng, COUNTRY_WEIGHTS)
        family = rng.choice(families)
        given = rng.choice(women if rng.random() < 0.8 else men)
        age = min(65, max(16, int(rng.gauss(29, 9))))
        born = created.date() - dt.timedelta(days=int(age * 365.25 + rng.random() * 360))

        def person(relation, given, born, **extra):
            """The returnee or a child: of this case's family and nationality."""
            return t.person.add(
                case_id=case_id,
                relation=relation,
                given_name=given,
                family_name=family,
                date_of_birth=born,
                nationality=nationality,
                search_name=fold(f"{given} {family}"),
                **extra,
            )

        # `uuid` first: the random draws keep their order, and a seed its cases.
        returnee = person(
            Person.Relation.RETURNEE,
            given,
            born,
            uuid=_uuid(rng),
            languages=LANGUAGES.get(nationality, ""),
            identity_document=f"passport {rng.randrange(10**8, 10**9)}"
            if rng.random() < 0.6
            else "",
        )
        if rng.random() < 0.12:
            for _child in range(_pick(rng, {1: 70, 2: 22, 3: 8})):
                child_given = rng.choice(women + men)
                child_born = created.date() - dt.timedelta(days=rng.randrange(30, 17 * 365))
                person(Person.Relation.CHILD, child_given, child_born, uuid=_uuid(rng))
        event(created, "case.referred", referred_by)

        # The consent ledger.
        consents: dict[str, bool] = {}

        def consent(when, purpose, given, by):
            t.consent.add(
                case_id=case_id,
                purpose=purpose,
                given=given,
                decided_on=when.date(),
                method="written" if rng.random() < 0.7 else "oral",
                interpreter="Authorised interpreter" if rng.random() < 0.4 else "",
                recorded_by_id=by,
                recorded_at=when,
            )
            consents[purpose] = given
            action = "consent.given" if given else "consent.withdrawn"
            event(when, action, by, params={"purpose": purpose})

        consent(created, ConsentPurpose.SWEDISH_AUTHORITIES, True, referred_by)
        if rng.random() < 0.7:
            when = at["screen"] if "screen" in reached else created
            consent(when, ConsentPurpose.STATISTICS, True, coordinator)
            if rng.random() < 0.04 and when + 30 * DAY < end:
                consent(when + 30 * DAY, ConsentPurpose.STATISTICS, False, coordinator)

        # Screening and eligibility.
        if "screen" in reached:
            event(at["screen"], "case.screening_started", coordinator, S.REFERRED, S.SCREENING)
        if social_worker:
            event(at["screen"] + HOUR, "case.social_worker_assigned", coordinator)
        if shared:
            event(shared, "case.consultation_shared", coordinator, params={"identity": False})
        if "assess" in reached:
            eligible = sk.state != S.INELIGIBLE
            basis = _pick(rng, BASIS)
            wants, destination = True, "origin" if rng.random() < 0.95 else "third_country"
            note = ""
            if not eligible:
                problem = rng.random()
                if problem < 0.55:
                    basis = EligibilityAssessment.Basis.NONE
                    note = "The person is not a presumed victim of trafficking nor in prostitution."
                elif problem < 0.9:
                    wants = False
                    note = "The person does not want to return voluntarily."
                else:
                    destination = "neither"
                    note = (
                        "The destination is neither the country of origin nor a country of "
                        "permanent residence."
                    )
            forms = []
            if basis in (
                EligibilityAssessment.Basis.TRAFFICKING_IDENTIFIED,
                EligibilityAssessment.Basis.TRAFFICKING_PRESUMED,
            ):
                forms = sorted({_pick(rng, EXPLOITATION) for _ in range(rng.choice((1, 1, 2)))})
            t.eligibility.add(
                case_id=case_id,
                basis=basis,
                exploitation=forms,
                wants_voluntary_return=wants,
                destination=destination,
                assessed_by_id=coordinator,
                assessed_at=at["assess"],
            )
            if eligible:
                event(at["assess"], "case.eligible", coordinator, S.SCREENING, S.PREPARING)
            else:
                event(at["assess"], "case.ineligible", coordinator, S.SCREENING, S.INELIGIBLE, note)
        if "consent_iom" in reached:
            consent(at["consent_iom"], ConsentPurpose.IOM_FINLAND, True, coordinator)
            if rng.random() < 0.9:
                consent(at["consent_iom"], ConsentPurpose.IOM_DESTINATION, True, coordinator)

        # Submission and decisions.
        def decision(when, outcome, message):
            t.decision.add(
                case_id=case_id,
                outcome=outcome,
                message=message,
                coordinator_id=coordinator,
                coordinator_on=when.date(),
                iom_user_id=iom,
                decided_at=when,
            )

        if "submit1" in reached:
            event(at["submit1"], "case.submitted", coordinator, S.PREPARING, S.SUBMITTED)
        if "changes" in reached:
            message = "Please add the medical needs."
            decision(at["changes"], Decision.Outcome.CHANGES_REQUESTED, message)
            event(at["changes"], "case.changes_requested", iom, S.SUBMITTED, S.PREPARING, message)
            if "submit" in reached:
                event(at["submit"], "case.submitted", coordinator, S.PREPARING, S.SUBMITTED)
        if "decide" in reached:
            if sk.state == S.REJECTED:
                message = "The person has permanent residence in Sweden."
                decision(at["decide"], Decision.Outcome.REJECTED, message)
                event(at["decide"], "case.rejected", iom, S.SUBMITTED, S.REJECTED, message)
            else:
                decision(at["decide"], Decision.Outcome.APPROVED, "")
                event(at["decide"], "case.approved", iom, S.SUBMITTED, S.APPROVED)

        # The journey.
        if "plan" in reached:
            self._journey(sk, case_id, at, reached, iom, event)
        if "arrive" in reached:
            self._reintegration(sk, case_id, returnee, at, end, iom, event)

        # The end.
        if sk.state == S.CLOSED:
            event(at["close"], "case.closed", iom, sk.closed_from, S.CLOSED)
        elif sk.state == S.WITHDRAWN:
            event(end, "case.withdrawn", coordinator, sk.withdrawn_from, S.WITHDRAWN)

        for when, action, from_state, to_state, actor, note, params in events:
            t.event.add(
                case_id=case_id,
                action=action,
                from_state=from_state,
                to_state=to_state,
                actor_id=actor,
                note=note,
                params=params,
                at=when,
            )

        # The object permissions.
        group_grants, user_grants = case_grants(ctx, sk, referred_by, social_worker, consents)
        perms = ctx.perms
        for group, names in group_grants.items():
            for name in names:
                t.group_perm.add(
                    content_object_id=case_id, group_id=group, permission_id=perms[name]
                )
        for user, names in user_grants.items():
            for name in names:
                t.user_perm.add(content_object_id=case_id, user_id=user, permission_id=perms[name])

    def _journey(self, sk, case_id, at, reached, iom, event) -> None:
        rng, t = self.rng, self.t
        escort = rng.random() < 0.05
        fields = {
            "uuid": _uuid(rng),
            "case_id": case_id,
            "escort_needed": escort,
            "escort": "Social worker, Socialtjänsten" if escort else "",
            "created_by_id": iom,
            "created_at": at["plan"],
            "updated_at": at["plan"],
        }
        event(at["plan"], "travel.planned", iom)
        cancelled = sk.closed_from == S.APPROVED or sk.state == S.WITHDRAWN
        ended = (at["cancel"] if sk.closed_from else at["withdraw"]) if cancelled else None
        booked = "book" in reached and (ended is None or at["book"] <= ended)
        if booked:
            fields |= {"booked_by_id": iom, "booked_at": at["book"]}
            event(at["book"], "travel.booked", iom)
        if cancelled:
            reason = (
                "The returnee withdrew." if sk.state == S.WITHDRAWN else "The flight was cancelled."
            )
            fields |= {
                "state": TravelState.CANCELLED,
                "ended_at": ended,
                "end_reason": reason,
                "updated_at": ended,
            }
            event(ended, "travel.cancelled", iom, note=reason)
        elif "depart" in reached:
            fields |= {"state": TravelState.DEPARTED, "departed_at": at["depart"]}
            event(at["depart"], "travel.departed", iom)
            event(at["depart"], "case.departed", iom, S.APPROVED, S.IN_TRANSIT)
            if sk.closed_from == S.IN_TRANSIT:
                reason = "The returnee did not board the connecting flight."
                fields |= {
                    "state": TravelState.INCIDENT,
                    "ended_at": at["incident"],
                    "end_reason": reason,
                }
                event(at["incident"], "travel.incident", iom, note=reason)
            elif "arrive" in reached:
                fields |= {"state": TravelState.ARRIVED, "arrived_at": at["arrive"]}
                event(at["arrive"], "travel.arrived", iom)
                event(at["arrive"], "case.arrived", iom, S.IN_TRANSIT, S.REINTEGRATION)
        else:
            fields["state"] = TravelState.BOOKED if booked else TravelState.PLANNING
        t.travel.add(**fields)

    def _reintegration(self, sk, case_id, returnee, at, end, iom, event) -> None:  # noqa: C901, PLR0912, PLR0915
        rng, ctx, t = self.rng, self.ctx, self.t
        staff = ctx.staff
        arrived_on = at["arrive"].date()
        last_day = min(end.date(), self.today)
        _starts, period_id, rates = _period(ctx, arrived_on)
        t.support.add(
            case_id=case_id,
            period_id=period_id,
            arrived_on=arrived_on,
            services=sorted(rng.sample(SupportService.values, rng.randint(1, 3))),
            updated_by_id=iom,
            updated_at=at["arrive"],
        )
        # The returnee's budget: the period's rates (children's shares are not granted here).
        entitlements = {}
        for category, (amount, months) in rates.items():
            for month in range(1, months + 1) if months else [None]:
                entitlements[(category, month)] = [amount, Decimal("0.00")]

        office = staff.offices[sk.country]
        currency, rate = CURRENCIES.get(sk.country, ("USD", 1.0))
        rate = Decimal(str(rate))
        closed = sk.state == S.CLOSED

        def payment(category, month, amount, requested_at, provider=None, contract=None):
            if requested_at > end or (category, month) not in entitlements:
                return
            cap, committed = entitlements[(category, month)]
            amount = min(amount, cap - committed)
            if amount <= 0:
                return
            requested_by = rng.choice(office) if rng.random() < 0.6 else iom
            decided_at = requested_at + rng.uniform(0.2, 5) * DAY
            disbursed_at = decided_at + rng.uniform(1, 10) * DAY
            roll = rng.random()
            if roll < 0.02:
                state = PaymentState.CANCELLED
            elif roll < 0.04 and decided_at <= end:
                state = PaymentState.REJECTED
            elif closed or disbursed_at <= end:
                state = PaymentState.DISBURSED
            elif decided_at <= end:
                state = PaymentState.APPROVED
            else:
                state = PaymentState.REQUESTED
            fields = {
                "uuid": _uuid(rng),
                "case_id": case_id,
                "beneficiary_id": returnee,
                "category": category,
                "month": month,
                "amount": amount,
                "state": state,
                "requested_by_id": requested_by,
                "requested_at": requested_at,
                "updated_at": requested_at,
            }
            if provider:
                fields |= {
                    "payee": Payee.PROVIDER,
                    "method": "direct",
                    "provider_id": provider,
                    "contract_id": contract,
                }
            else:
                fields |= {"payee": Payee.RETURNEE, "method": rng.choice(("cash", "bank"))}
            if state != PaymentState.REQUESTED and state != PaymentState.CANCELLED:
                decided_at = min(decided_at, end)
                fields |= {
                    "decided_by_id": rng.choice(staff.iom_approvers),
                    "decided_at": decided_at,
                    "updated_at": decided_at,
                }
            if state == PaymentState.REJECTED:
                fields["end_reason"] = "Not covered by the plan."
            elif state == PaymentState.CANCELLED:
                fields["end_reason"] = "Asked twice by mistake."
            elif state == PaymentState.DISBURSED:
                disbursed_on = min(disbursed_at, end).date()
                self.voucher += 1
                fields |= {
                    "disbursed_by_id": rng.choice(office),
                    "disbursed_on": disbursed_on,
                    "reference": f"V-{disbursed_on.year}-{self.voucher:06d}",
                    "local_currency": currency,
                    "local_amount": quantize(amount * rate),
                    "exchange_rate": rate,
                }
            if state not in (PaymentState.REJECTED, PaymentState.CANCELLED):
                entitlements[(category, month)][1] = committed + amount
            t.payment.add(**fields)

        arrival = at["arrive"]
        subsistence = rates.get(Category.SUBSISTENCE)
        if subsistence:
            for month in range(1, (subsistence[1] or 1) + 1):
                requested = arrival + ((month - 1) * 30 + rng.uniform(0, 4)) * DAY
                payment(Category.SUBSISTENCE, month, subsistence[0], requested)
        grant = rates.get(Category.GRANT)
        if grant:
            provider, contract = ctx.providers[(sk.country, "grant")]
            first = arrival + rng.uniform(20, 90) * DAY
            if rng.random() < 0.4:
                part = quantize(grant[0] * Decimal("0.6"))
                payment(Category.GRANT, None, part, first, provider, contract)
                second = first + rng.uniform(30, 90) * DAY
                payment(Category.GRANT, None, grant[0] - part, second, provider, contract)
            else:
                payment(Category.GRANT, None, grant[0], first, provider, contract)
        medical = rates.get(Category.MEDICAL)
        if medical and rng.random() < 0.35:
            provider, _contract = ctx.providers[(sk.country, "medical")]
            amount = quantize(Decimal(rng.randrange(4000, int(medical[0] * 100) + 1)) / 100)
            requested = arrival + rng.uniform(1, 120) * DAY
            payment(Category.MEDICAL, None, amount, requested, provider)

        for (category, month), (cap, committed) in entitlements.items():
            t.entitlement.add(
                case_id=case_id,
                beneficiary_id=returnee,
                category=category,
                month=month,
                cap=cap,
                committed=committed,
            )

        # Follow-up: months 1 to 6, a few cases further; done, late, or missing.
        # Closed with contact kept: the six required contacts were all made.
        all_done = closed and sk.outcome not in CONTACT_ENDED
        months = 6 + (rng.choice((3, 6)) if rng.random() < 0.08 else 0)
        for month in range(1, months + 1):
            due = add_months(arrived_on, month)
            fields = {"uuid": _uuid(rng), "case_id": case_id, "month": month, "due_on": due}
            if month > 6 and due > last_day + 30 * DAY:
                break
            if all_done and month <= 6:
                done = due + dt.timedelta(days=rng.randint(-5, 10))
            elif rng.random() < 0.85:
                late = rng.random() < 0.25
                done = due + dt.timedelta(days=rng.randint(6, 45) if late else rng.randint(-5, 5))
            else:
                done = None  # missed
            if done is not None:
                done = max(done, arrived_on)
            if done is not None and done <= last_day:
                by = rng.choice(staff.offices[sk.country])
                threat = rng.random() < 0.02
                fields |= {
                    "done_on": done,
                    "how": _pick(rng, {ContactWay.PHONE: 50, ContactWay.VISIT: 30,
                                       ContactWay.OFFICE: 15, ContactWay.PARTNER: 5}),
                    "housing": "Lives with family.",
                    "threat": threat,
                    "recorded_by_id": by,
                    "recorded_at": dt.datetime.combine(done, dt.time(12), UTC),
                }  # fmt: skip
                when = fields["recorded_at"]
                event(when, "follow_up.recorded", by, note=f"month {month}")
                if threat:
                    event(when, "follow_up.threat_reported", by, note=f"month {month}")
            t.follow_up.add(**fields)


@dataclass
class Result:
    cases: int
    rows: int
    users_made: int
    seconds: float


def generate(
    cases: int,
    *,
    seed: int = 1,
    users: int = 300,
    now: dt.datetime | None = None,
    batch: int = 5000,
    use_copy: bool | None = None,
    trust_keys: bool | None = None,
    progress=None,
) -> Result:
    """Make `cases` cases (and the users, once). All in one transaction."""
    started = time.monotonic()
    if now is None:
        today = dt.datetime.now(UTC).date()
        now = dt.datetime.combine(today, dt.time(0), UTC)
    if use_copy is None:
        use_copy = writer.can_copy()
    if trust_keys is None:
        trust_keys = use_copy and writer.can_defer_foreign_keys()
    rng = random.Random(seed)  # noqa: S311  (reproducible made-up data)
    with transaction.atomic():
        UUIDS.seed(f"{seed}-{Case.objects.aggregate(top=Max('pk'))['top'] or 0}")
        user_rng = random.Random(seed + 1)  # noqa: S311
        made_users = people.make(user_rng, users, COUNTRIES)
        ctx = _context(now)
        tables = Tables(now)
        maker = CaseMaker(rng, ctx, tables)
        plan = skeletons(rng, cases, now)
        if trust_keys:
            writer.skip_row_triggers()
        for index, item in enumerate(plan, start=1):
            maker.make(item)
            if index % batch == 0:
                tables.flush(use_copy)
                if progress:
                    progress(index, time.monotonic() - started)
        tables.flush(use_copy)
        if trust_keys:
            writer.restore_row_triggers()
            writer.check_foreign_keys(tables.all)
        _counters(plan)
        _contract_totals()
        writer.reset_sequences(tables.all)
    writer.analyze(tables.all)
    rows = sum(table.written for table in tables.all)
    return Result(len(plan), rows, made_users, time.monotonic() - started)


def _counters(plan: list[Skeleton]) -> None:
    """Move each year's counter past the references used, so that the next referral the
    services log gets a new number."""
    last: dict[int, int] = {}
    for item in plan:
        _prefix, year, number = item.reference.rsplit("-", 2)
        last[int(year)] = max(last.get(int(year), 0), int(number))
    for year, number in last.items():
        CaseCounter.objects.update_or_create(year=year, defaults={"last_number": number})


def _contract_totals() -> None:
    """Each contract commits what its payments that are not rejected or cancelled ask."""
    from django.db.models import Sum

    for contract in Contract.objects.filter(provider__name__endswith=people.MARK):
        total = (
            Payment.objects.filter(contract=contract)
            .exclude(state__in=[PaymentState.REJECTED, PaymentState.CANCELLED])
            .aggregate(total=Sum("amount"))["total"]
        )
        contract.committed = total or Decimal("0.00")
        contract.save(update_fields=["committed"])


def refusal(*, force: bool) -> str | None:
    """Why the generator will not write into this database, or None. It writes only where
    no case exists that it did not make, unless forced on a database that is clearly not
    production (DEBUG on, or a name with "bench" or "test" in it)."""
    foreign = Case.objects.exclude(
        referring_organisation__in=Organisation.objects.filter(name__endswith=people.MARK)
    )
    if not foreign.exists():
        return None
    name = str(connection.settings_dict.get("NAME") or "").lower()
    if force and (settings.DEBUG or "bench" in name or "test" in name):
        return None
    if force:
        return (
            "This database holds cases the generator did not make, and it may be production: "
            "--yes-this-is-not-production needs DEBUG on or a database named for benchmarks "
            "or tests."
        )
    return (
        "This database holds cases the generator did not make. Use an empty database, or "
        "--yes-this-is-not-production on a benchmark or test database."
    )


def generated_cases_exist() -> bool:
    """Whether this database holds cases the generator made (the demo adds them once)."""
    return Case.objects.filter(referring_organisation__name__endswith=people.MARK).exists()
