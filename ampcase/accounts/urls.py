from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.verify_view, name="verify"),
    path("login/backup-code/", views.backup_view, name="backup"),
    path("login/enrol/", views.enrol_view, name="enrol"),
    path("account/backup-codes/", views.backup_codes_view, name="backup-codes"),
    path("account/confirm-code/", views.step_up_view, name="step-up"),
    path("account/confirm-backup-code/", views.step_up_backup_view, name="step-up-backup"),
    path("logout/", views.logout_view, name="logout"),
]
