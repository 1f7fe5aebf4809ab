from django.urls import path

from . import views

app_name = "risk"

urlpatterns = [
    path("cases/<uuid:case_uuid>/risk/", views.table, name="table"),
    path("cases/<uuid:case_uuid>/risk/v<int:version>/", views.table, name="version"),
    path("cases/<uuid:case_uuid>/risk/v<int:version>.pdf", views.table_pdf, name="pdf"),
    path("cases/<uuid:case_uuid>/risk/rows/new/", views.row, name="row-new"),
    path("cases/<uuid:case_uuid>/risk/rows/<uuid:row_uuid>/", views.row, name="row"),
    path(
        "cases/<uuid:case_uuid>/risk/rows/<uuid:row_uuid>/delete/",
        views.delete_row,
        name="row-delete",
    ),
    path("cases/<uuid:case_uuid>/risk/complete/", views.complete, name="complete"),
    path("cases/<uuid:case_uuid>/risk/new-version/", views.new_version, name="new-version"),
    path(
        "cases/<uuid:case_uuid>/children/<uuid:person_uuid>/assessment/",
        views.child_assessment,
        name="child-assessment",
    ),
]
