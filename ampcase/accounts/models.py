"""Users, the organisations they belong to, and the seven regions."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class RegionCode(models.TextChoices):
    BERGSLAGEN = "bergslagen", "Bergslagen"
    STOCKHOLM = "stockholm", "Stockholm"
    MITT = "mitt", "Mitt"
    NORD = "nord", "Nord"
    SYD = "syd", "Syd"
    VAST = "vast", "Väst"
    OST = "ost", "Öst"


class Region(models.Model):
    """One of the seven ÅMP regions. The rows are created by a data migration; the check
    constraint and the unique code keep the table to exactly those seven."""

    code = models.CharField(_("code"), max_length=20, unique=True, choices=RegionCode.choices)
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__in=RegionCode.values), name="region_code_is_known"
            )
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    REGION_COORDINATION = "region_coordination", _("Region coordination")
    SOCIAL_SERVICES = "social_services", _("Social services")
    POLICE = "police", _("Police")
    MIGRATION_AGENCY = "migration_agency", _("Swedish Migration Agency")
    SHELTER = "shelter", _("Shelter or NGO")
    IOM_FINLAND = "iom_finland", _("IOM Finland")
    IOM_COUNTRY_OFFICE = "iom_country_office", _("IOM country office")
    GENDER_EQUALITY_AGENCY = "gender_equality_agency", _("Swedish Gender Equality Agency")
    OPERATOR = "operator", _("Operator")


# Organisations that work in Sweden, in one region.
REGIONAL_KINDS = (OrganisationKind.REGION_COORDINATION, OrganisationKind.SOCIAL_SERVICES)
# Organisations that work abroad and therefore never belong to a Swedish region.
FOREIGN_KINDS = (OrganisationKind.IOM_FINLAND, OrganisationKind.IOM_COUNTRY_OFFICE)


class Organisation(models.Model):
    Kind = OrganisationKind

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text=_("Required for region coordination and social services."),
    )
    country = CountryField(
        _("country"),
        blank=True,
        help_text=_("Required for an IOM country office: the destination country it serves."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OrganisationKind.values), name="organisation_kind_is_known"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[k.value for k in REGIONAL_KINDS]) | Q(region__isnull=False),
                name="regional_organisation_has_region",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[k.value for k in FOREIGN_KINDS]) | Q(region__isnull=True),
                name="foreign_organisation_has_no_region",
            ),
            models.CheckConstraint(
                condition=(Q(kind=OrganisationKind.IOM_COUNTRY_OFFICE) & ~Q(country=""))
                | (~Q(kind=OrganisationKind.IOM_COUNTRY_OFFICE) & Q(country="")),
                name="only_country_office_has_country",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.kind in REGIONAL_KINDS and self.region_id is None:
            errors["region"] = _("Choose the region this organisation works in.")
        if self.kind in FOREIGN_KINDS and self.region_id is not None:
            errors["region"] = _("An IOM office does not belong to a Swedish region.")
        if self.kind == OrganisationKind.IOM_COUNTRY_OFFICE and not self.country:
            errors["country"] = _("Choose the country this IOM office serves.")
        if self.kind != OrganisationKind.IOM_COUNTRY_OFFICE and self.country:
            errors["country"] = _("Only an IOM country office has a country.")
        if errors:
            raise ValidationError(errors)


class User(AbstractUser):
    """A person who signs in. Roles are groups (see `roles.py`); every user but a superuser
    created from the command line belongs to exactly one organisation."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(is_superuser=True),
                name="user_has_organisation",
            )
        ]

    @cached_property
    def roles(self) -> frozenset[str]:
        """The role codes this user holds (group names, see `roles.Role`)."""
        from .roles import Role

        known = {role.value for role in Role}
        return frozenset(
            name for name in self.groups.values_list("name", flat=True) if name in known
        )

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
