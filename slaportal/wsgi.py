"""WSGI entry point (gunicorn slaportal.wsgi).

`application` takes well-formed status pushes of known services (sla.api.edge) and answers
cached public status page documents (statuspage.edge) before Django; everything else, and
any of those it does not take, goes to `django_application`, the bare Django application.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slaportal.settings")
django_application = get_wsgi_application()

from django.urls import get_resolver  # noqa: E402 - needs the configured settings

from sla.api.edge import IngestEdge  # noqa: E402
from slaportal.celery import warm_up_publishing  # noqa: E402
from statuspage.edge import StatusPageEdge  # noqa: E402

application = IngestEdge(StatusPageEdge(django_application))

# Load every view now (the URLconf imports them), then move everything loaded so far -
# modules, classes, settings, about 120,000 objects - out of the collector's reach: a
# full collection walked them all in about 65 ms, a pause every request in flight felt
# (the p99 of the status page under load). Objects made while serving are collected as
# usual.
get_resolver().url_patterns  # noqa: B018 - imported for its side effect
warm_up_publishing()  # the first ingest request of each worker would pay ~90 ms for it
gc.freeze()
