from django.urls import path

from . import views

app_name = "reintegration"


def _step(action: str):
    return path(
        f"cases/<uuid:case_uuid>/travel/{action}/", views.step, {"action": action}, name=action
    )


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
    *(_step(action) for action in ("book", "reopen", "depart", "arrive", "cancel", "incident")),
    path("cases/<uuid:case_uuid>/travel/itinerary.pdf", views.itinerary_pdf, name="itinerary"),
]
