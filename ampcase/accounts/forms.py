from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _


class PasswordLoginForm(AuthenticationForm):
    """Step one. The same answer whether the user name exists or not."""

    error_messages = {
        "invalid_login": _(
            "The user name or password is not right. Check them and try again. "
            "After five wrong attempts the user name is locked for 15 minutes."
        ),
        "inactive": _(
            "The user name or password is not right. Check them and try again. "
            "After five wrong attempts the user name is locked for 15 minutes."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("User name")
        self.fields["password"].label = _("Password")
        # Autofocus would skip the header and the skip link for screen-reader users.
        self.fields["username"].widget.attrs.pop("autofocus", None)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("The six digits the app shows for ÅMP Case now."),
        min_length=6,
        max_length=6,
        validators=[RegexValidator(r"^[0-9]{6}$", _("Enter the six digits, without spaces."))],
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
        error_messages={
            "required": _("Enter the code from your authenticator app."),
            "min_length": _("Enter the six digits, without spaces."),
            "max_length": _("Enter the six digits, without spaces."),
        },
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class BackupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Backup code"),
        help_text=_(
            "One of the backup codes you saved when you set up two-factor login. "
            "Each code works once."
        ),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter one of your backup codes.")},
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().lower().replace(" ", "")
