from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read/", views.read_all, name="read-all"),
    path("notifications/settings/", views.mail_settings, name="settings"),
    path("notifications/<uuid:notification_uuid>/", views.open_notification, name="open"),
]
