"""The programme's rates are data: an administrator adds a new programme period and its rates
here (a case keeps the rates of the period it arrived in). Periods and rates are never
deleted: cases refer to them."""

from django.contrib import admin
from django.db import models

from ampcase.lib import dates

from .models import ProgrammePeriod, Rate


class RateInline(admin.TabularInline):
    model = Rate
    extra = 0
    can_delete = False


@admin.register(ProgrammePeriod)
class ProgrammePeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "child_share"]
    formfield_overrides = {models.DateField: {"form_class": dates.DateField}}
    inlines = [RateInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
