from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("ampcase.accounts.urls")),
    path("", include("referrals.urls")),
    path("", include("risk.urls")),
    path("", include("reintegration.urls")),
    path("", include("ampcase.statistics.urls")),
    path("", include("ampcase.notifications.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

handler400 = "ampcase.views.bad_request"
handler403 = "ampcase.views.permission_denied"
handler404 = "ampcase.views.page_not_found"
handler500 = "ampcase.views.server_error"
