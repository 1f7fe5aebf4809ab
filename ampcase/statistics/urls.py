from django.urls import path

from . import views

app_name = "statistics"

urlpatterns = [
    path("statistics/htcds-export.json", views.htcds_export, name="htcds-export"),
]
