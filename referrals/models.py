"""The case root: a case from first contact to the joint decision.

State changes only through the FSM transitions below, and those are called only from
`services.py`, which locks the row, checks permissions, records the audit event and moves
object permissions. The state field is protected: assigning it raises.
"""

import uuid
from datetime import date

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from ampcase.accounts.models import Organisation, Region
from ampcase.lib import fsm
from ampcase.lib.text import fold

from .permissions import (
    can_close,
    can_decide,
    can_plan_travel,
    can_receive,
    can_reconsider,
    can_work,
)


class CaseState(models.TextChoices):
    REFERRED = "referred", pgettext_lazy("case state", "Referred")
    SCREENING = "screening", pgettext_lazy("case state", "Screening")
    INELIGIBLE = "ineligible", pgettext_lazy("case state", "Not eligible")
    PREPARING = "preparing", pgettext_lazy("case state", "Preparing application")
    SUBMITTED = "submitted", pgettext_lazy("case state", "Submitted to IOM Finland")
    APPROVED = "approved", pgettext_lazy("case state", "Approved")
    REJECTED = "rejected", pgettext_lazy("case state", "Rejected")
    IN_TRANSIT = "in_transit", pgettext_lazy("case state", "In transit")
    REINTEGRATION = "reintegration", pgettext_lazy("case state", "Reintegration")
    CLOSED = "closed", pgettext_lazy("case state", "Closed")
    WITHDRAWN = "withdrawn", pgettext_lazy("case state", "Withdrawn")


S = CaseState
# The returnee may withdraw at any moment before departure (the `withdraw` transition's
# source: ask `fsm.sources(Case.withdraw)` rather than this list elsewhere).
WITHDRAWABLE = [S.REFERRED, S.SCREENING, S.PREPARING, S.SUBMITTED, S.APPROVED]
# Nothing happens to a case in these states any more: its region stops working on it. (The
# state machine has no notion of an end, so this is where "ended" is defined.)
FINAL_STATES = frozenset({S.INELIGIBLE, S.REJECTED, S.CLOSED, S.WITHDRAWN})
# The IOM office of the destination country takes part from the approval on, until the case
# is withdrawn (DESIGN.md section 6).
COUNTRY_OFFICE_STATES = frozenset({S.APPROVED, S.IN_TRANSIT, S.REINTEGRATION, S.CLOSED})


class CaseOutcome(models.TextChoices):
    """How a case ended, recorded by IOM Finland when it closes the case."""

    COMPLETED = "completed", _("Reintegration completed")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    MOVED_ON = "moved_on", _("Moved on or migrated again")
    TRAFFICKED_AGAIN = "trafficked_again", _("Trafficked again")
    DIED = "died", _("Died")
    WITHDREW = "withdrew", _("Withdrew from support")
    NEVER_TRAVELLED = "never_travelled", _("Never travelled")


# Outcomes that end contact with the returnee: a case may close with them before the
# six months of follow-up are done.
CONTACT_ENDED = frozenset(
    {CaseOutcome.LOST_CONTACT, CaseOutcome.MOVED_ON, CaseOutcome.DIED, CaseOutcome.WITHDREW}
)


class RiskLevel(models.IntegerChoices):
    """The overall level of a risk table (the risk app's matrix gives it; the case keeps the
    latest completed one)."""

    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


# Every case reference begins with this: ÅMP-2026-0042.
REFERENCE_PREFIX = "ÅMP"


class CaseCounter(models.Model):
    """The last reference number used in a year (see `Case.allocate_reference`)."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField()


class Case(ConcurrentTransitionMixin, models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("case reference"), max_length=20, unique=True, editable=False)
    pseudonym = models.CharField(
        _("pseudonym"),
        max_length=40,
        help_text=_("Used whenever the person's identity may not be shown."),
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="cases"
    )
    state = FSMField(
        _("state"), default=S.REFERRED, choices=CaseState.choices, protected=True, db_index=True
    )
    destination_country = CountryField(_("destination country"), blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("referred by"),
        on_delete=models.PROTECT,
        related_name="referred_cases",
    )
    referring_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referred_cases"
    )
    referral_note = models.TextField(
        _("what the referrer told the coordinator"), blank=True, max_length=4000
    )
    social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("social worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    # IOM Finland was asked about the case under its pseudonym before consent (section 5).
    consultation_shared_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The overall level of the latest completed risk table, kept here by the risk app so that
    # lists and pages show it without another query.
    risk_level = models.PositiveSmallIntegerField(
        _("risk level"), null=True, blank=True, choices=RiskLevel.choices
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=CaseOutcome.choices, blank=True)
    outcome_note = models.TextField(_("note on the outcome"), max_length=4000, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The state the case was closed from, to which a reopening returns it.
    closed_from = models.CharField(max_length=20, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # The case list's default order (last activity, newest first: scanned backwards):
            # a page reads 50 rows of the index instead of sorting every visible case.
            models.Index(fields=["updated_at", "id"], name="case_updated_idx"),
            # Each work queue: the cases in one state, the longest untouched first. (Without
            # it the queues read case_updated_idx from the oldest case until ten matched.)
            models.Index(fields=["state", "updated_at", "id"], name="case_state_updated_idx"),
            # The statistics read one year of referrals at a time.
            models.Index(fields=["created_at"], name="case_created_idx"),
        ]
        permissions = [
            ("view_identity", "Can see who the returnee is"),
            ("work_case", "Can prepare the case"),
            ("decide_case", "Can review and decide the case"),
            ("view_status", "Can see the status of an own referral"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=CaseState.values), name="case_state_is_known"
            ),
            models.CheckConstraint(
                condition=~Q(state=S.WITHDRAWN) | Q(withdrawn_on__isnull=False),
                name="withdrawn_case_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state=S.CLOSED)
                | (Q(outcome__in=CaseOutcome.values) & Q(closed_at__isnull=False)),
                name="closed_case_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=CaseOutcome.values),
                name="case_outcome_is_known",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[S.REFERRED, S.SCREENING, S.PREPARING, S.INELIGIBLE])
                | Q(state=S.WITHDRAWN)
                | Q(submitted_at__isnull=False),
                name="submitted_case_has_submission_time",
            ),
        ]

    # What a page or a service says when the case moved on before the user's step arrived.
    now_message = _(
        "The case is now “%(state)s”, so this cannot be done. Reload the page to see what changed."
    )

    def __str__(self) -> str:
        return self.reference

    @staticmethod
    def allocate_reference(year: int | None = None) -> str:
        """The next reference of the year, e.g. ÅMP-2026-0042. One atomic statement, so two
        referrals logged at the same moment can never get the same number."""
        year = year or timezone.localdate().year
        table = CaseCounter._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (year, last_number) VALUES (%s, 1) "  # noqa: S608
                f"ON CONFLICT (year) DO UPDATE SET last_number = {table}.last_number + 1 "
                "RETURNING last_number",
                [year],
            )
            number = cursor.fetchone()[0]
        return f"{REFERENCE_PREFIX}-{year}-{number:04d}"

    # The pseudonym a referral is given; stored in the language of whoever logged it.
    PSEUDONYM = _("Returnee %(number)s")

    @property
    def shown_pseudonym(self) -> str:
        """The pseudonym in the reader's language: the one the case was given (stored in the
        language of whoever logged the referral) is said again in the language in use now;
        any other is shown as it is."""
        number = {"number": self.reference.rsplit("-", 1)[-1]}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                given = str(self.PSEUDONYM) % number
            if self.pseudonym == given:
                return str(self.PSEUDONYM) % number
        return self.pseudonym

    @property
    def is_high_risk(self) -> bool:
        return self.risk_level == RiskLevel.HIGH

    # Transitions. Tiny on purpose: the fields of the new state, no I/O. Conditions and
    # permissions are checked in services.py, which alone calls these.

    @transition(field=state, source=S.REFERRED, target=S.SCREENING, permission=can_work)
    def start_screening(self) -> None:
        pass

    @transition(field=state, source=S.SCREENING, target=S.PREPARING, permission=can_work)
    def mark_eligible(self) -> None:
        pass

    @transition(field=state, source=S.SCREENING, target=S.INELIGIBLE, permission=can_work)
    def mark_ineligible(self) -> None:
        pass

    # A person found not eligible may be screened again (new facts, a mistaken screening):
    # the region's coordinators reopen the screening, with the reason.
    @transition(field=state, source=S.INELIGIBLE, target=S.SCREENING, permission=can_reconsider)
    def reconsider(self) -> None:
        pass

    @transition(field=state, source=S.PREPARING, target=S.SUBMITTED, permission=can_work)
    def submit(self, submitter) -> None:
        self.submitted_at = timezone.now()
        self.submitted_by = submitter

    @transition(field=state, source=S.SUBMITTED, target=S.PREPARING, permission=can_decide)
    def request_changes(self) -> None:
        pass

    @transition(field=state, source=S.SUBMITTED, target=S.APPROVED, permission=can_decide)
    def approve(self) -> None:
        pass

    @transition(field=state, source=S.SUBMITTED, target=S.REJECTED, permission=can_decide)
    def reject(self) -> None:
        pass

    # The journey (the reintegration app's travel plan) moves the case on: departure puts it
    # in transit, arrival starts reintegration.
    @transition(field=state, source=S.APPROVED, target=S.IN_TRANSIT, permission=can_plan_travel)
    def depart(self) -> None:
        pass

    @transition(field=state, source=S.IN_TRANSIT, target=S.REINTEGRATION, permission=can_receive)
    def arrive(self) -> None:
        pass

    # IOM Finland closes a case with its outcome: in reintegration, or after a journey that
    # failed or was cancelled; and may reopen it, to the state it was closed from.
    @transition(
        field=state,
        source=[S.REINTEGRATION, S.APPROVED, S.IN_TRANSIT],
        target=S.CLOSED,
        permission=can_close,
    )
    def close(self, outcome: str, outcome_note: str) -> None:
        self.closed_from = self.state
        self.outcome = outcome
        self.outcome_note = outcome_note
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=S.CLOSED,
        target=RETURN_VALUE(S.REINTEGRATION, S.APPROVED, S.IN_TRANSIT),
        permission=can_close,
    )
    def reopen(self) -> str:
        previous = self.closed_from or S.REINTEGRATION
        self.closed_from = ""
        self.outcome = ""
        self.outcome_note = ""
        self.closed_at = None
        return previous

    @transition(field=state, source=WITHDRAWABLE, target=S.WITHDRAWN, permission=can_work)
    def withdraw(self, on: date, reason: str) -> None:
        self.withdrawn_on = on
        self.withdrawal_reason = reason


# The states in which the journey home is still to be made: the case can depart, or arrive.
JOURNEY_OPEN_STATES = fsm.sources(Case.depart) | fsm.sources(Case.arrive)


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
        indexes = [models.Index(fields=["user", "permission"], name="case_userperm_user_idx")]


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        indexes = [
            models.Index(fields=["group", "permission"], name="case_groupperm_group_idx"),
            # The lists' permission probe (`grants.cases_for`): for one case, one permission,
            # the user's groups, from the index alone.
            models.Index(
                fields=["content_object", "permission", "group"], name="case_groupperm_case_idx"
            ),
        ]


ADULT_AGE = 18


def age_on(born: date, day: date) -> int:
    """Full years from `born` to `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def adult_if_born_on_or_before(day: date) -> date:
    """The latest date of birth of someone who is an adult on `day` (29 February falls back
    to the 28th in years without it)."""
    year = day.year - ADULT_AGE
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


class Person(models.Model):
    """The returnee or an accompanying child. Minor-ness is derived from the date of birth."""

    class Relation(models.TextChoices):
        RETURNEE = "returnee", _("Returnee")
        CHILD = "child", _("Accompanying child")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    nationality = CountryField(_("nationality"), blank=True)
    languages = models.CharField(
        _("languages"), max_length=200, blank=True, help_text=_("The languages the person speaks.")
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    identity_document = models.CharField(
        _("identity document"),
        max_length=100,
        blank=True,
        help_text=_("Kind and number, e.g. passport AB1234567. Leave empty if there is none."),
    )
    # The names as the case list's search compares them (`ampcase.lib.text.fold`: lower case,
    # no accents), kept by `save`. A column of its own rather than PostgreSQL's `unaccent`:
    # the same Python folds the names and the words typed, so the search finds the same in
    # PostgreSQL and in the SQLite of `make run`, and needs no database extension.
    search_name = models.CharField(max_length=201, blank=True, editable=False)

    class Meta:
        ordering = ["relation", "date_of_birth", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(relation="returnee"),
                name="one_returnee_per_case",
            ),
            models.CheckConstraint(
                condition=Q(relation__in=["returnee", "child"]), name="person_relation_is_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def save(self, *args, **kwargs):
        self.search_name = fold(f"{self.given_name} {self.family_name}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"given_name", "family_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def age_on(self, day: date) -> int | None:
        return None if self.date_of_birth is None else age_on(self.date_of_birth, day)

    @property
    def is_minor(self) -> bool:
        age = self.age_on(timezone.localdate())
        return age is not None and age < ADULT_AGE


class ConsentPurpose(models.TextChoices):
    IOM_FINLAND = "iom_finland", _("Share with IOM Finland")
    IOM_DESTINATION = "iom_destination", _("Share with the IOM office in the destination country")
    SWEDISH_AUTHORITIES = "swedish_authorities", _("Share between Swedish authorities")
    # Read by the statistics app: only these returnees' cases go into the HTCDS export.
    STATISTICS = "statistics", _("Use of the data for statistics and research")


class Consent(models.Model):
    """One entry of the consent ledger: consent given or withdrawn for one purpose. Entries
    are never changed; the latest entry for a purpose is what holds now."""

    class Method(models.TextChoices):
        WRITTEN = "written", _("Written, signed")
        ORAL = "oral", _("Oral, noted by the coordinator")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    # True for consent given, False for a withdrawal: the form asks which, with no default.
    given = models.BooleanField(_("consent given"))
    decided_on = models.DateField(_("date"))
    method = models.CharField(_("how"), max_length=20, choices=Method.choices)
    interpreter = models.CharField(
        _("interpreter"),
        max_length=200,
        blank=True,
        help_text=_("Name and language of the interpreter, if one was used."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=ConsentPurpose.values), name="consent_purpose_is_known"
            )
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Consent entries are append-only: record a new entry instead.")
        super().save(*args, **kwargs)


def current_consents(case: Case) -> dict[str, bool]:
    """Purpose -> whether consent holds now (the latest ledger entry wins)."""
    state: dict[str, bool] = {}
    for purpose, given in (
        Consent.objects.filter(case=case)
        .order_by("recorded_at", "id")
        .values_list("purpose", "given")
    ):
        state[purpose] = given
    return state


class Exploitation(models.TextChoices):
    SEXUAL = "sexual", _("Sexual exploitation")
    FORCED_LABOUR = "forced_labour", _("Forced labour")
    BEGGING = "begging", _("Begging")
    CRIMINALITY = "criminality", _("Criminal activities")
    ORGAN_REMOVAL = "organ_removal", _("Organ removal")
    MILITARY = "military", _("Forced military service")
    OTHER = "other", _("Other")


class EligibilityAssessment(models.Model):
    """The coordinator's screening against the programme's criteria (DESIGN.md section 4)."""

    class Basis(models.TextChoices):
        TRAFFICKING_IDENTIFIED = "trafficking_identified", _("Identified victim of trafficking")
        TRAFFICKING_PRESUMED = (
            "trafficking_presumed",
            _("Presumed or suspected victim of trafficking"),
        )
        PROSTITUTION = "prostitution", _("In, or exposed to, prostitution in Sweden")
        NONE = "none", _("None of these")

    class Destination(models.TextChoices):
        ORIGIN = "origin", _("Country of origin")
        THIRD_COUNTRY = "third_country", _("Third country where the person has permanent residence")
        NEITHER = "neither", _("Neither")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="eligibility")
    basis = models.CharField(_("basis"), max_length=30, choices=Basis.choices)
    exploitation = models.JSONField(
        _("forms of exploitation"),
        default=list,
        blank=True,
        help_text=_("For a victim of trafficking: every form of exploitation that applies."),
    )
    wants_voluntary_return = models.BooleanField(_("the person wants to return voluntarily"))
    destination = models.CharField(_("destination"), max_length=20, choices=Destination.choices)
    notes = models.TextField(_("notes"), blank=True, max_length=4000)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("eligibility assessment")

    def reasons_not_eligible(self) -> list[str]:
        reasons = []
        if self.basis == self.Basis.NONE:
            reasons.append(
                _("The person is not a presumed victim of trafficking nor in prostitution.")
            )
        if not self.wants_voluntary_return:
            reasons.append(_("The person does not want to return voluntarily."))
        if self.destination == self.Destination.NEITHER:
            reasons.append(
                _(
                    "The destination is neither the country of origin nor a country of "
                    "permanent residence."
                )
            )
        return reasons

    @property
    def is_eligible(self) -> bool:
        return not self.reasons_not_eligible()


class Application(models.Model):
    """The "ÅMP - SWE Ansökan" form."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="application")
    destination_kind = models.CharField(
        _("the destination is"),
        max_length=20,
        choices=[
            ("origin", _("Country of origin")),
            ("third_country", _("Third country of permanent residence")),
        ],
    )
    needs_travel_document = models.BooleanField(_("needs a travel document"), default=False)
    needs_escort = models.BooleanField(_("needs an escort for the journey"), default=False)
    needs_medical_care = models.BooleanField(_("needs medical care"), default=False)
    medical_notes = models.TextField(_("medical needs"), blank=True, max_length=4000)
    reintegration_wishes = models.TextField(
        _("wishes for reintegration"), blank=True, max_length=4000
    )
    filled_in_language = models.CharField(
        _("language the form was filled in"), max_length=100, blank=True
    )
    interpreter = models.CharField(
        _("authorised interpreter"),
        max_length=200,
        blank=True,
        help_text=_("Required unless the form was filled in the returnee's own language."),
    )
    in_returnees_language = models.BooleanField(
        _("filled in the returnee's own language"), default=False
    )
    voluntary_declaration = models.BooleanField(
        _("the returnee signed the written voluntary declaration"), default=False
    )
    declaration_signed_on = models.DateField(_("declaration signed on"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("application")
        constraints = [
            models.CheckConstraint(
                condition=Q(voluntary_declaration=False) | Q(declaration_signed_on__isnull=False),
                name="declaration_has_date",
            )
        ]


class Decision(models.Model):
    """IOM Finland's answer to a submission: approved jointly, rejected, or sent back."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    message = models.TextField(_("reason or message"), blank=True, max_length=4000)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    coordinator_on = models.DateField()
    iom_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("decision")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="approved") | ~Q(message=""),
                name="decision_other_than_approval_has_reason",
            )
        ]


class Document(models.Model):
    """A file kept for a case. Stored outside every served path; downloaded only through a
    permission-checked view. The uploaded file name is never kept."""

    class Kind(models.TextChoices):
        SIGNED_APPLICATION = "signed_application", _("Signed application")
        CONSENT_FORM = "consent_form", _("Consent form")
        BEST_INTERESTS = "best_interests", _("Best-interests assessment")
        RECEIPT = "receipt", _("Receipt or invoice")
        VOUCHER = "voucher", _("Payment voucher")
        OTHER = "other", _("Other document")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    storage_key = models.CharField(max_length=100, unique=True, editable=False)
    content_type = models.CharField(max_length=50, editable=False)
    size = models.PositiveIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("document")


class CaseEvent(models.Model):
    """The case's timeline: who did what, when, in words. (The audit trail records far more,
    reads included; this is what people working on the case need to see.)"""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=64)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True, max_length=4000)
    # What the entry is about, as codes rendered in the reader's language when the timeline
    # is shown (a consent's purpose, a document's kind, the regions of a transfer).
    params = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
