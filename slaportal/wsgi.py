"""WSGI entry point (gunicorn slaportal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slaportal.settings")
application = get_wsgi_application()
