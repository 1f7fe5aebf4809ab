from django.urls import path

from . import views
from .kit import step_urls

app_name = "referrals"

urlpatterns = [
    path("cases/", views.case_list, name="cases"),
    path("referrals/", views.my_referrals, name="my-referrals"),
    path("referrals/new/", views.referral_create, name="referral-new"),
    path("referrals/<uuid:case_uuid>/", views.referral_status, name="referral"),
    path("cases/<uuid:case_uuid>/", views.case_detail, name="case"),
    path("cases/<uuid:case_uuid>/screening/", views.start_screening, name="start-screening"),
    path("cases/<uuid:case_uuid>/eligibility/", views.eligibility, name="eligibility"),
    path("cases/<uuid:case_uuid>/consent/", views.consent, name="consent"),
    path("cases/<uuid:case_uuid>/application/", views.application, name="application"),
    path("cases/<uuid:case_uuid>/submit/", views.submit, name="submit"),
    path("cases/<uuid:case_uuid>/application.pdf", views.application_pdf, name="application-pdf"),
    path("cases/<uuid:case_uuid>/consultation/", views.consultation, name="consultation"),
    path("cases/<uuid:case_uuid>/assign/", views.assign, name="assign"),
    path("cases/<uuid:case_uuid>/people/new/", views.person_edit, name="child-new"),
    path("cases/<uuid:case_uuid>/people/<uuid:person_uuid>/", views.person_edit, name="person"),
    path("cases/<uuid:case_uuid>/documents/new/", views.document_upload, name="document-upload"),
    path(
        "cases/<uuid:case_uuid>/documents/<uuid:document_uuid>/",
        views.document_download,
        name="document",
    ),
    path("cases/<uuid:case_uuid>/transfer/", views.transfer, name="transfer"),
    *step_urls("cases/<uuid:case_uuid>/", views.STEPS),
]
