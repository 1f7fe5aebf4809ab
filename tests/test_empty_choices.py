"""No form of the app shows Django's "---------" for an empty choice: "—" everywhere, or a
label of the form's own (issue 11, item 24)."""

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import translation

from tests.lib.test_dates import admin_forms, project_forms

pytestmark = pytest.mark.django_db

DASHES = "---------"


def _forms():
    cases = [(f"{f.__module__}.{f.__qualname__}", f) for f in project_forms()]
    cases += list(admin_forms())
    return [pytest.param(form, id=label) for label, form in cases]


def _bound_form(form_class):
    """An unbound instance when the form needs nothing more (and is not abstract), else None."""
    try:
        return form_class()
    except (TypeError, ValueError):
        return None


@pytest.mark.parametrize("form_class", _forms())
def test_no_choice_field_shows_dashes(form_class):
    with translation.override("en"):
        form = _bound_form(form_class)
        if form is not None:
            html = "".join(
                render_to_string("includes/field.html", {"field": field}) for field in form
            )
        else:
            # Forms that need arguments (a case, a country): each choice widget as declared.
            html = "".join(
                field.widget.render(name, None)
                for name, field in form_class.base_fields.items()
                if isinstance(field, forms.ChoiceField)
                # A queryset the form sets when it is made (for a case) cannot be shown here.
                and getattr(field, "queryset", ()) is not None
                and not isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
            )
    assert DASHES not in html


def test_the_empty_choice_reads_as_a_dash(db):
    from referrals.forms import TransferForm

    html = str(TransferForm()["region"])
    assert '<option value="" selected>—</option>' in html


def test_empty_choices_with_labels_of_their_own_keep_them():
    from referrals.forms import ReferralForm

    with translation.override("en"):
        html = str(ReferralForm()["region"])
    assert '<option value="" selected>Choose a region</option>' in html
