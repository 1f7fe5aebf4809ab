from django.urls import path

from referrals.kit import step_urls

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
]
