from django.urls import path

from referrals.kit import step_urls

from .views import followup, support
from .views import travel as views

app_name = "reintegration"


urlpatterns = [
    path("cases/<uuid:case_uuid>/travel/", views.travel, name="travel"),
    path(
        "cases/<uuid:case_uuid>/travel/new/", views.plan_form, {"start": True}, name="travel-start"
    ),
    path("cases/<uuid:case_uuid>/travel/details/", views.plan_form, name="travel-edit"),
    path("cases/<uuid:case_uuid>/travel/flights/new/", views.flight, name="flight-new"),
    path("cases/<uuid:case_uuid>/travel/flights/<uuid:flight_uuid>/", views.flight, name="flight"),
    path(
        "cases/<uuid:case_uuid>/travel/flights/<uuid:flight_uuid>/delete/",
        views.delete_flight,
        name="flight-delete",
    ),
    path(
        "cases/<uuid:case_uuid>/travel/documents/<uuid:person_uuid>/",
        views.travel_document,
        name="travel-document",
    ),
    *step_urls("cases/<uuid:case_uuid>/travel/", views.STEPS),
    path("cases/<uuid:case_uuid>/travel/itinerary.pdf", views.itinerary_pdf, name="itinerary"),
    # Reintegration support: the plan, the budget and the payments.
    path("cases/<uuid:case_uuid>/support/", support.support, name="support"),
    path("cases/<uuid:case_uuid>/support/plan/", support.plan_form, name="support-plan"),
    path(
        "cases/<uuid:case_uuid>/support/children/<uuid:person_uuid>/",
        support.child_share,
        name="child-share",
    ),
    path("cases/<uuid:case_uuid>/support/budget.pdf", support.budget_pdf, name="budget-pdf"),
    path("cases/<uuid:case_uuid>/payments/new/", support.payment_new, name="payment-new"),
    path("cases/<uuid:case_uuid>/payments/<uuid:payment_uuid>/", support.payment, name="payment"),
    path(
        "cases/<uuid:case_uuid>/payments/<uuid:payment_uuid>/change/",
        support.payment_change,
        name="payment-change",
    ),
    path(
        "cases/<uuid:case_uuid>/payments/<uuid:payment_uuid>/receipt/",
        support.payment_receipt,
        name="payment-receipt",
    ),
    path(
        "cases/<uuid:case_uuid>/payments/<uuid:payment_uuid>/voucher.pdf",
        support.voucher,
        name="payment-voucher",
    ),
    *step_urls("cases/<uuid:case_uuid>/payments/<uuid:payment_uuid>/", support.PAYMENT_STEPS),
    path("cases/<uuid:case_uuid>/follow-up/", followup.follow_up, name="follow-up"),
    path("cases/<uuid:case_uuid>/follow-up/new/", followup.add, name="follow-up-new"),
    path("cases/<uuid:case_uuid>/follow-up/<int:month>/", followup.record, name="follow-up-record"),
    path("cases/<uuid:case_uuid>/follow-up/check/", followup.check, name="check-baseline"),
    path(
        "cases/<uuid:case_uuid>/follow-up/<int:month>/check/",
        followup.check,
        name="check-follow-up",
    ),
    path("payments/approvals/", support.approvals, name="approvals"),
    path("providers/", support.providers, name="providers"),
    path("providers/new/", support.provider_new, name="provider-new"),
    path(
        "providers/<uuid:provider_uuid>/contracts/new/",
        support.contract_new,
        name="contract-new",
    ),
]
