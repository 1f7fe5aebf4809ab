from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin  # noqa: F401  (registers)
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin  # noqa: F401  (registers)
from django_otp.plugins.otp_totp.models import TOTPDevice

from ampcase import audit

from .models import Organisation, Region, User
from .roles import ROLE_ORGANISATION_KINDS, Role


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, group: Group) -> str:
        return Role(group.name).label if group.name in Role.values else group.name


class RolesFormMixin(forms.ModelForm):
    """Roles are groups; only roles the user's organisation can hold are accepted."""

    groups = RoleChoiceField(
        queryset=Group.objects.filter(name__in=Role.values).order_by("name"),
        required=False,
        label=_("Roles"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What kind of work the user does. Which cases they see follows from it."),
    )

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        groups = cleaned.get("groups") or []
        if organisation is None and not cleaned.get("is_superuser", self.instance.is_superuser):
            self.add_error("organisation", _("Choose the organisation this user works for."))
            return cleaned
        for group in groups:
            kinds = ROLE_ORGANISATION_KINDS.get(group.name, frozenset())
            if organisation is not None and organisation.kind not in kinds:
                self.add_error(
                    "groups",
                    _("The role “%(role)s” cannot be held in “%(organisation)s”.")
                    % {"role": Role(group.name).label, "organisation": organisation.name},
                )
        return cleaned


class UserChangeForm(RolesFormMixin, DjangoUserChangeForm):
    class Meta(DjangoUserChangeForm.Meta):
        model = User
        fields = (
            "username",
            "password",
            "first_name",
            "last_name",
            "email",
            "organisation",
            "groups",
            "is_active",
        )


class UserCreationForm(RolesFormMixin, BaseUserCreationForm):
    class Meta(BaseUserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "email", "organisation", "groups")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("username", "first_name", "last_name", "organisation", "is_active")
    list_filter = ("is_active", "organisation__kind", "groups")
    list_select_related = ("organisation",)
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email")}),
        (_("Work"), {"fields": ("organisation", "groups", "is_active")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "organisation",
                    "groups",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ()
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-factor login (the user sets it up again)"))
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            audit.record(request, "user.two_factor_reset", user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "Two-factor login was reset for %(count)d user.",
                "Two-factor login was reset for %(count)d users.",
                count,
            )
            % {"count": count},
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        # Only administrators (and superusers) enter the admin.
        is_staff = user.is_superuser or user.groups.filter(name=Role.ADMINISTRATOR).exists()
        if user.is_staff != is_staff:
            user.is_staff = is_staff
            user.save(update_fields=["is_staff"])
        audit.record(request, "user.changed" if change else "user.created", user)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "country", "is_active")
    list_filter = ("kind", "region", "is_active")
    list_select_related = ("region",)
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(request, "organisation.changed" if change else "organisation.created", obj)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code")

    # The seven regions are fixed by the programme and created by a migration.
    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(Group)
# Device pages would show any user's secret key to an administrator; the reset action above
# is the only thing an administrator needs to do with devices.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
