from django import forms

from .models import MailPreference


class MailPreferenceForm(forms.ModelForm):
    class Meta:
        model = MailPreference
        fields = ["mail", "language"]
        widgets = {"mail": forms.RadioSelect, "language": forms.RadioSelect}
