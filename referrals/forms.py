import functools
from collections.abc import Collection

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ampcase.accounts.models import Region
from ampcase.lib import dates
from ampcase.lib.documents import DocumentField
from ampcase.lib.phone import PhoneField
from ampcase.lib.text import sort_key

from .models import (
    Application,
    CaseOutcome,
    CaseState,
    Consent,
    ConsentPurpose,
    Document,
    EligibilityAssessment,
    Exploitation,
    Person,
)


@functools.lru_cache(maxsize=8)
def sorted_countries(language: str) -> tuple[tuple[str, str], ...]:
    """Every country in `language` (the active one), sorted once per process and language."""
    return tuple((code, name) for code, name in sorted(countries, key=lambda c: sort_key(c.name)))


def country_choices(empty_label, destinations: Collection[str] = ()) -> list:
    """Choices of a country select in the active language, sorted as its readers sort. The
    countries that cases go to (`destinations`, codes) come first in a group of their own,
    so that nobody scrolls past Antarctica to find Nigeria; every country follows."""
    everything = list(sorted_countries(translation.get_language()))
    ours = [(code, name) for code, name in everything if code in destinations]
    if not ours:
        return [("", empty_label), *everything]
    return [
        ("", empty_label),
        (_("Countries our cases go to"), ours),
        (_("All countries"), everything),
    ]


class CountrySelect(forms.Select):
    """A select of every country (about 250 options, and the user's destinations again),
    rendered once for each language, choices, name, value and attributes, then from memory.
    Rendering it through the option template cost about 12 ms on every case list page
    (docs/PERFORMANCE.md). The output depends on nothing else, so it is the same HTML."""

    _rendered: dict = {}
    KEPT = 200

    def render(self, name, value, attrs=None, renderer=None):
        key = (
            translation.get_language(),
            name,
            _frozen(value),
            _frozen(self.build_attrs(self.attrs, attrs)),
            _frozen(self.choices),
        )
        html = self._rendered.get(key)
        if html is None:
            html = super().render(name, value, attrs, renderer)
            if len(self._rendered) >= self.KEPT:
                self._rendered.clear()
            self._rendered[key] = html
        return html


def _frozen(value):
    """`value` as something hashable (lists, dicts and lazy text as plain values)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value if value is None or isinstance(value, bool | int) else str(value)


class ReferralForm(forms.Form):
    region = forms.ModelChoiceField(
        Region.objects.all(),
        label=_("Region"),
        help_text=_("The region coordinator who will take the case."),
        empty_label=_("Choose a region"),
    )
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    date_of_birth = dates.DateField(
        label=_("Date of birth"),
        required=False,
        latest=dates.today,
        help_text=_("Leave empty if not known."),
    )
    nationality = forms.ChoiceField(label=_("Nationality"), choices=[("", "—")], required=False)
    languages = forms.CharField(label=_("Languages"), max_length=200, required=False)
    referral_note = forms.CharField(
        label=_("What should the coordinator know?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
        help_text=_("No more than needed. The coordinator will contact you."),
    )
    consent_on = dates.DateField(label=_("Date of consent"), latest=dates.today)
    consent_method = forms.ChoiceField(
        label=_("How was consent given?"), choices=Consent.Method.choices
    )
    interpreter = forms.CharField(
        label=_("Interpreter"),
        max_length=200,
        required=False,
        help_text=_("Name and language of the interpreter, if one was used."),
    )
    consent_confirmed = forms.BooleanField(
        label=_("The person consents to their details being shared with the region coordinator."),
        error_messages={"required": _("A referral needs the person's consent.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = [("", "—"), *countries]


class ConsentForm(forms.Form):
    """One decision of the person (consent given, or withdrawn) for one or more purposes.

    The decision has no default: a form that started on either answer would record it for
    anyone who submits without reading, and a withdrawal recorded by mistake takes IOM's
    access away (a consent recorded by mistake gives it).
    """

    GIVEN = "given"
    WITHDRAWN = "withdrawn"

    purposes = forms.MultipleChoiceField(
        label=_("What does the decision cover?"),
        choices=ConsentPurpose.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every purpose the person's decision covers."),
        error_messages={"required": _("Tick at least one purpose.")},
    )
    given = forms.TypedChoiceField(
        label=_("The person's decision"),
        choices=[(GIVEN, _("Consent given")), (WITHDRAWN, _("Consent withdrawn"))],
        coerce=lambda value: value == ConsentForm.GIVEN,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether consent was given or withdrawn.")},
    )
    decided_on = dates.DateField(label=_("Date"), latest=dates.today)
    method = forms.ChoiceField(
        label=_("How"),
        choices=Consent.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the person gave or withdrew consent.")},
    )
    interpreter = forms.CharField(
        label=_("Interpreter"),
        max_length=200,
        required=False,
        help_text=_("Name and language of the interpreter, if one was used."),
    )


class EligibilityForm(forms.ModelForm):
    exploitation = forms.MultipleChoiceField(
        label=_("Forms of exploitation"),
        choices=Exploitation.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("For a victim of trafficking: every form that applies."),
    )

    class Meta:
        model = EligibilityAssessment
        fields = ["basis", "exploitation", "wants_voluntary_return", "destination", "notes"]
        widgets = {
            "basis": forms.RadioSelect,
            "destination": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wants_voluntary_return"].required = False

    def clean(self):
        cleaned = super().clean()
        trafficking = cleaned.get("basis", "").startswith("trafficking")
        if trafficking and not cleaned.get("exploitation"):
            self.add_error("exploitation", _("Choose at least one form of exploitation."))
        return cleaned


class PersonForm(forms.ModelForm):
    phone = PhoneField(label=_("Phone"), required=False)

    class Meta:
        model = Person
        fields = [
            "given_name",
            "family_name",
            "date_of_birth",
            "nationality",
            "languages",
            "identity_document",
            "phone",
        ]
        formfield_callback = dates.formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].latest = dates.today


class ApplicationForm(forms.ModelForm):
    destination_country = forms.ChoiceField(label=_("Destination country"), choices=[])

    class Meta:
        model = Application
        fields = [
            "destination_kind",
            "needs_travel_document",
            "needs_escort",
            "needs_medical_care",
            "medical_notes",
            "reintegration_wishes",
            "in_returnees_language",
            "filled_in_language",
            "interpreter",
            "voluntary_declaration",
            "declaration_signed_on",
        ]
        widgets = {
            "destination_kind": forms.RadioSelect,
            "medical_notes": forms.Textarea(attrs={"rows": 3}),
            "reintegration_wishes": forms.Textarea(attrs={"rows": 4}),
        }
        formfield_callback = dates.formfield

    def __init__(self, *args, destination_country="", destinations: Collection[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination_country"].choices = country_choices(
            _("Choose a country"), destinations
        )
        self.fields["destination_country"].initial = destination_country
        self.fields["declaration_signed_on"].latest = dates.today
        self.order_fields(["destination_country", "destination_kind"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("voluntary_declaration") and not cleaned.get("declaration_signed_on"):
            self.add_error("declaration_signed_on", _("Give the date the declaration was signed."))
        if (
            not cleaned.get("in_returnees_language")
            and not (cleaned.get("interpreter") or "").strip()
        ):
            self.add_error(
                "interpreter",
                _(
                    "Name the authorised interpreter, or tick that the form was filled in the "
                    "returnee's own language."
                ),
            )
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": _("Give a reason.")},
    )


class OptionalMessageForm(forms.Form):
    reason = forms.CharField(
        label=_("Message to the coordinator (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=CaseOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the outcome.")},
    )
    note = forms.CharField(
        label=_("Note on the outcome"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
    )


class WithdrawForm(ReasonForm):
    on = dates.DateField(label=_("Date the returnee withdrew"), latest=dates.today)


class AssignForm(forms.Form):
    social_worker = forms.ModelChoiceField(
        queryset=None,
        label=_("Social worker"),
        required=False,
        empty_label=_("Nobody"),
        help_text=_("Gets access to this case, and only to this one."),
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["social_worker"].queryset = queryset
        self.fields["social_worker"].label_from_instance = lambda u: (
            f"{u.display_name} ({u.organisation.name})"
        )


class TransferForm(forms.Form):
    region = forms.ModelChoiceField(Region.objects.all(), label=_("New region"))
    reason = forms.CharField(
        label=_("Reason for the transfer"),
        help_text=_("The new region's coordinators read it on the case page."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("Give the reason for the transfer.")},
    )


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("A name, a case reference or a pseudonym."),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    country = forms.ChoiceField(
        label=_("Destination country"), required=False, widget=CountrySelect
    )
    age_group = forms.ChoiceField(
        label=_("Age group"),
        required=False,
        choices=[("", _("All")), ("minor", _("Under 18")), ("adult", _("18 or older"))],
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("All")), *CaseOutcome.choices],
    )
    referred_from = dates.DateField(label=_("Referred from"), required=False)
    referred_to = dates.DateField(label=_("Referred until"), required=False)
    # The column headers sort too; on a phone, where the list is cards without headers, this
    # is the way to sort. A plain select: an unknown value falls back to the default order
    # in the view instead of making the whole filter invalid.
    sort = forms.CharField(label=_("Sort by"), required=False, widget=forms.Select)

    def __init__(
        self,
        *args,
        destinations: Collection[str] = (),
        sorts: Collection[tuple[str, str]] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All")), *CaseState.choices]
        self.fields["country"].choices = country_choices(_("All"), destinations)
        self.fields["sort"].widget.choices = list(sorts)

    def narrowing(self) -> bool:
        """Whether a filter besides the search, or a sort, is in use (the page then shows them
        open)."""
        return any(self.data.get(name) for name in self.fields if name != "q")


# Receipts and vouchers belong to a payment and are added there, not as loose documents.
UPLOADED_KINDS = [
    (kind, label)
    for kind, label in Document.Kind.choices
    if kind not in {Document.Kind.RECEIPT, Document.Kind.VOUCHER}
]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=UPLOADED_KINDS)
    file = DocumentField(label=_("File"))
