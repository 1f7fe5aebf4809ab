from django.contrib.admin.apps import AdminConfig


class TwoFactorAdminConfig(AdminConfig):
    """Django's admin app, with `TwoFactorAdminSite` as `admin.site`. (Its own module: the
    app registry imports it before any model may be imported.)"""

    default_site = "ampcase.accounts.admin_site.TwoFactorAdminSite"
