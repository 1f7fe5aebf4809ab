"""WSGI entry point, served by gunicorn in production."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ampcase.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: refuse to serve without a secret key.
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from ampcase.checks import SECRET_KEY_MISSING, secret_key_problems  # noqa: E402

if secret_key_problems():
    raise ImproperlyConfigured(SECRET_KEY_MISSING)
