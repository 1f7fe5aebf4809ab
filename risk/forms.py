from django import forms
from django.utils.translation import gettext_lazy as _

from ampcase.lib import dates
from ampcase.lib.documents import DocumentField

from .models import ChildAssessment, RiskRow


class RiskRowForm(forms.ModelForm):
    class Meta:
        model = RiskRow
        fields = [
            "where",
            "threat",
            "description",
            "likelihood",
            "impact",
            "mitigation",
            "responsible",
        ]
        widgets = {
            "where": forms.RadioSelect,
            "likelihood": forms.RadioSelect,
            "impact": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
            "mitigation": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "likelihood": _("How likely the risk is to happen, from 1 (unlikely) to 4."),
            "impact": _("How serious it would be, from 1 (minor) to 4 (severe)."),
        }


class ChildAssessmentForm(forms.ModelForm):
    best_interests_file = DocumentField(
        label=_("Written best-interests assessment"), required=False
    )

    class Meta:
        model = ChildAssessment
        fields = [
            "situation_in_sweden",
            "life_on_return",
            "needs_and_wishes",
            "relatives_involved",
            "honour_violence",
            "home_authorities_agree",
            "home_authorities_take_over_on",
        ]
        widgets = {
            "situation_in_sweden": forms.Textarea(attrs={"rows": 4}),
            "life_on_return": forms.Textarea(attrs={"rows": 4}),
            "needs_and_wishes": forms.Textarea(attrs={"rows": 4}),
        }
        formfield_callback = dates.formfield

    def __init__(self, *args, separated: bool, needs_document: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relatives_involved"].required = False
        self.fields["honour_violence"].required = False
        self.fields["best_interests_file"].required = needs_document
        if separated:
            self.fields["home_authorities_agree"] = forms.BooleanField(
                label=self.fields["home_authorities_agree"].label,
                required=True,
                error_messages={
                    "required": _(
                        "A separated child may return only if the home country's authorities "
                        "judge it to be in the child's best interests."
                    )
                },
            )
            self.fields["home_authorities_take_over_on"].required = True
        else:
            del self.fields["home_authorities_agree"]
            del self.fields["home_authorities_take_over_on"]
        self.fields["best_interests_file"].error_messages["required"] = _(
            "Upload the written best-interests assessment."
        )
