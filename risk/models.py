"""The risk assessment and risk management table ("ÅMP - SWE Tabell för riskbedömning och
riskhantering"), its rows and versions, and the assessments of each child."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from referrals.models import Case, Document, Person

from .permissions import can_change_table
from .scale import Impact, Level, Likelihood
from .scale import level as level_of


class TableState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("risk table state", "Draft")
    COMPLETED = "completed", pgettext_lazy("risk table state", "Completed")
    SUPERSEDED = "superseded", pgettext_lazy("risk table state", "Superseded")


class RiskTable(ConcurrentTransitionMixin, models.Model):
    """One version of a case's risk table. A completed version is locked and signed; a change
    after that starts a new draft version, which supersedes it when completed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_tables")
    version = models.PositiveIntegerField()
    state = FSMField(default=TableState.DRAFT, choices=TableState.choices, protected=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The author's name as signed, kept even if the user's name changes later.
    signed_name = models.CharField(max_length=200, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "-version"]
        verbose_name = _("risk table")
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="risk_table_version_unique"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="draft"), name="one_draft_risk_table"
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="completed"), name="one_completed_risk_table"
            ),
            models.CheckConstraint(
                condition=Q(state__in=TableState.values), name="risk_table_state_is_known"
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | (Q(completed_at__isnull=False) & ~Q(signed_name="")),
                name="completed_risk_table_is_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} v{self.version}"

    # What a page or a service says when the table moved on before the user's step arrived.
    now_message = _("The risk table is now “%(state)s”, so this cannot be done. Reload the page.")

    @transition(
        field=state,
        source=TableState.DRAFT,
        target=TableState.COMPLETED,
        permission=can_change_table,
    )
    def complete(self, signer) -> None:
        self.completed_by = signer
        self.signed_name = signer.display_name
        self.completed_at = timezone.now()

    @transition(
        field=state,
        source=TableState.COMPLETED,
        target=TableState.SUPERSEDED,
        permission=can_change_table,
    )
    def supersede(self) -> None:
        self.superseded_at = timezone.now()


class RiskRow(models.Model):
    class Where(models.TextChoices):
        IN_SWEDEN = "sweden", _("In Sweden")
        IN_TRANSIT = "transit", _("In transit")
        ON_ARRIVAL = "arrival", _("On arrival")
        HOME_COUNTRY = "home", _("In the home country")

    class Threat(models.TextChoices):
        TRAFFICKERS = "traffickers", _("Traffickers")
        FAMILY_INVOLVED = "family_involved", _("Family or community involved in the exploitation")
        REJECTION = "rejection", _("Rejection by family")
        STIGMA = "stigma", _("Stigma")
        HONOUR = "honour", _("Honour-related violence and oppression")
        HEALTH = "health", _("Health")
        ECONOMIC = "economic", _("Economic need")
        CHILD = "child", _("Child-specific")
        OTHER = "other", _("Other")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    table = models.ForeignKey(RiskTable, on_delete=models.CASCADE, related_name="rows")
    where = models.CharField(_("where"), max_length=20, choices=Where.choices)
    threat = models.CharField(_("kind of threat"), max_length=30, choices=Threat.choices)
    description = models.TextField(_("the risk"), max_length=2000)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"), choices=Likelihood.choices)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices)
    mitigation = models.TextField(_("measures to reduce the risk"), max_length=2000)
    responsible = models.CharField(_("who is responsible"), max_length=200)

    class Meta:
        ordering = ["table", "id"]
        verbose_name = _("risk")
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=4), name="likelihood_on_scale"
            ),
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=4), name="impact_on_scale"
            ),
            models.CheckConstraint(
                condition=Q(where__in=["sweden", "transit", "arrival", "home"]),
                name="risk_where_is_known",
            ),
        ]

    @property
    def level(self) -> Level:
        return level_of(self.likelihood, self.impact)


class ChildAssessment(models.Model):
    """The social worker's child risk and protection assessment, with the written
    best-interests assessment, for one child of a case."""

    child = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="assessment")
    best_interests = models.ForeignKey(
        Document,
        verbose_name=_("best-interests assessment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    situation_in_sweden = models.TextField(_("the child's situation in Sweden"), max_length=4000)
    life_on_return = models.TextField(_("the child's life situation on return"), max_length=4000)
    needs_and_wishes = models.TextField(_("the child's needs and wishes"), max_length=4000)
    relatives_involved = models.BooleanField(
        _("parents or relatives were involved in the exploitation")
    )
    honour_violence = models.BooleanField(_("there is honour-related violence or oppression"))
    # For a separated child (the returnee is a minor without parents) only.
    home_authorities_agree = models.BooleanField(
        _("the home country's authorities judge the return to be in the child's best interests"),
        null=True,
        blank=True,
    )
    home_authorities_take_over_on = models.DateField(
        _("date the home country's authorities take over responsibility"), null=True, blank=True
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("child risk and protection assessment")
