"""Every date field of every form of the app takes only a sensible range (issue 11, item 4)."""

import datetime
import importlib
import pkgutil

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone, translation

from ampcase.lib import dates

APPS = ["ampcase", "referrals", "risk", "reintegration"]
ABSURD = ["0001-01-01", "1899-12-31", "9999-12-31"]


def _import_all():
    for name in APPS:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if ".migrations" in module.name or module.name.endswith(".wsgi"):
                continue
            importlib.import_module(module.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_forms():
    _import_all()
    found = {
        form
        for form in _subclasses(forms.BaseForm)
        if form.__module__.split(".")[0] in APPS and "base_fields" in dir(form)
    }
    return sorted(found, key=lambda form: f"{form.__module__}.{form.__qualname__}")


def admin_forms():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in {"reintegration", "referrals", "risk", "accounts", "audit"}:
            form = model_admin.get_form(request)
            yield f"admin:{model._meta.label}", form


def date_fields():
    cases = [(f"{f.__module__}.{f.__qualname__}", f) for f in project_forms()]
    cases += list(admin_forms())
    for label, form in cases:
        for name, field in form.base_fields.items():
            if isinstance(field, forms.DateField):
                yield pytest.param(field, id=f"{label}.{name}")


DATE_FIELDS = list(date_fields())


def test_the_walk_finds_the_forms_it_must():
    names = {param.id for param in DATE_FIELDS}
    for expected in [
        "reintegration.forms.FlightForm.departs_on",
        "referrals.forms.PersonForm.date_of_birth",
        "referrals.forms.CaseFilterForm.referred_from",
        "reintegration.views.followup.CheckForm.done_on",
        "admin:reintegration.ProgrammePeriod.starts_on",
    ]:
        assert expected in names
    assert len(DATE_FIELDS) >= 15


@pytest.mark.parametrize("field", DATE_FIELDS)
def test_every_date_field_is_bounded(field):
    assert isinstance(field, dates.DateField)
    for text in ABSURD:
        with pytest.raises(forms.ValidationError):
            field.clean(text)
    field.clean("2000-01-01")


def test_bounds_are_named_in_the_message():
    field = dates.DateField()
    with pytest.raises(forms.ValidationError) as raised:
        field.clean("9999-12-31")
    assert str(timezone.localdate().year + 10) in raised.value.messages[0]
    with pytest.raises(forms.ValidationError) as raised:
        field.clean("0001-01-01")
    assert "1900" in raised.value.messages[0]


def test_not_in_the_future():
    field = dates.DateField(latest=dates.today)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with translation.override("en"):
        with pytest.raises(forms.ValidationError) as raised:
            field.clean(tomorrow.isoformat())
        assert raised.value.messages == ["The date cannot be in the future."]
    assert field.clean(timezone.localdate().isoformat()) == timezone.localdate()


def test_the_limits_themselves_are_accepted():
    field = dates.DateField()
    assert field.clean("1900-01-01") == dates.EARLIEST
    assert field.clean(dates.latest().isoformat()) == dates.latest()
