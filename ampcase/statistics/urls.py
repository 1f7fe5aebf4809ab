from django.urls import path

from . import views

app_name = "statistics"

urlpatterns = [
    path("statistics/", views.statistics_dashboard, name="dashboard"),
    path(
        "statistics/tables/<slug:key>.<slug:file_format>",
        views.statistics_table,
        name="table",
    ),
    path("statistics/htcds-export.json", views.htcds_export, name="htcds-export"),
]
