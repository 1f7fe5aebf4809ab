"""The dashboard's filters: a whole calendar year, and (nationally) one region or all."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ampcase.accounts.models import Region


class DashboardFilters(forms.Form):
    year = forms.TypedChoiceField(label=_("Year of referral"), coerce=int)
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("name"),
        required=False,
        empty_label=_("All regions"),
        to_field_name="code",
    )

    def __init__(self, data, *, years: list[int], national: bool):
        super().__init__(data)
        self.fields["year"].choices = [(year, str(year)) for year in reversed(years)]
        if not national:
            # A region coordinator sees their own region; there is nothing to choose.
            del self.fields["region"]
