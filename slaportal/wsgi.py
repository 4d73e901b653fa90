"""WSGI entry point (gunicorn slaportal.wsgi).

`application` answers cached public status page documents before Django (see
statuspage.edge); `django_application` is the bare Django application.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slaportal.settings")
django_application = get_wsgi_application()

from statuspage.edge import StatusPageEdge  # noqa: E402 - needs the configured settings

application = StatusPageEdge(django_application)
